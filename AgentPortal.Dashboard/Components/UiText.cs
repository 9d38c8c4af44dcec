namespace AgentPortal.Dashboard.Components;

/// <summary>
/// The words people read on each page, in one place so tests find elements by the same text.
/// </summary>
public static class UiText
{
    public const string ProductName = "AgentPortal";

    public static class Nav
    {
        public const string Main = "Main";
        public const string Overview = "Overview";
        public const string Agents = "Agents";
        public const string Traces = "Traces";
        public const string Compare = "Compare";
        public const string Chat = "Chat";
        public const string Sql = "Text to SQL";
        public const string Tools = "Tools";
        public const string Admin = "Admin";
        public const string People = "People";
        public const string Keys = "API keys";
        public const string Audit = "Audit log";
        public const string Alerts = "Alerts";
        public const string Storage = "Storage";
        public const string Account = "Your account";
        public const string SignOut = "Sign out";
        public const string DarkMode = "Toggle dark mode";
        public const string LightMode = "Switch to light mode";
        public const string ToggleMenu = "Toggle menu";
    }

    public static class Common
    {
        public const string Retry = "Retry";
        public const string Loading = "Loading…";
        public const string Copied = "Copied {0}";
        public const string CopyFailed = "Could not copy the {0}. Select and copy it by hand: {1}";
        public const string Copy = "Copy {0}";
        public const string Rows = "Rows per page";
    }

    public static class Reconnect
    {
        public const string Title = "Connection to AgentPortal lost";
        public const string Reconnecting = "Reconnecting to the server…";
        public const string Retrying = "Could not reconnect yet. Trying again in";
        public const string Failed = "Could not reconnect. Retry, or reload the page.";
        public const string Paused = "The server paused this session.";
        public const string ResumeFailed = "The session could not be resumed. Reload the page.";
        public const string Retry = "Retry";
        public const string Resume = "Resume";
        public const string Reload = "Reload";
    }

    public static class Login
    {
        public const string Title = "Sign in";
        public const string Email = "Email";
        public const string Password = "Password";
        public const string RememberMe = "Keep me signed in";
        public const string Submit = "Sign in";
        public const string Failed = "The email or password is not right.";
        public const string LockedOut = "Too many failed attempts: this account is locked for a while. Try again later, or ask an Admin to reset your password.";
        public const string Disabled = "This account is disabled. Ask an Admin to enable it.";
        public const string SignedOutEverywhere = "You were signed out on every device.";
        public const string Or = "or";
        public static string SingleSignOn(string name) => $"Sign in with {name}";
        public const string FirstRunHint = "First run? The administrator's email and generated password were printed to the console where AgentPortal started.";
    }

    public static class Overview
    {
        public const string Title = "Overview";
        public const string Range = "Time range";
        public const string Runs = "Runs";
        public const string LlmCalls = "LLM calls";
        public const string ErrorRate = "Error rate";
        public const string LlmErrorRate = "LLM call error rate";
        public const string Cost = "Cost";
        public const string Tokens = "Tokens";
        public const string P95 = "p95 run latency";
        public const string AgentUsage = "Agent Usage";
        public const string ModelUsage = "Usage by model";
        public const string VersusPrevious = "vs previous";
        public const string Loading = "Loading usage…";
        public const string LoadFailed = "Could not load usage.";
        public const string NoAgentsTitle = "No agent has reported yet";
        public const string NoAgents = "Register an agent and send its first run with an API key (see docs/AGENT_MONITORING.md):";
        public const string NoModels = "No LLM calls in this period.";
    }

    public static class ComparePage
    {
        public const string Title = "Compare agents";
        public const string Agents = "Agents to compare";
        public const string Choose = "Choose 2 to 5 agents to see their hourly series overlaid and their figures side by side.";
        public const string TooMany = "At most 5 agents can be compared at once; the first 5 are shown.";
        public const string Unknown = "Some agents in the link no longer exist and were left out.";
        public const string RunsPerHour = "Runs per hour";
        public const string ErrorsPerHour = "Errors per hour";
        public const string P95PerHour = "p95 run latency per hour (ms)";
        public const string CostPerHour = "Cost per hour (USD)";
        public const int MaxAgents = 5;
    }

    public static class AgentForm
    {
        public const string RegisterTitle = "Register an agent";
        public const string EditTitle = "Edit agent";
        public const string Register = "Register";
        public const string Save = "Save";
        public const string Cancel = "Cancel";
        public const string Name = "Name";
        public const string NameRequired = "Give the agent a name.";
        public const string Project = "Project";
        public const string ProjectRequired = "Give a project (default-project if unsure).";
        public const string ExternalId = "External id (optional)";
        public const string Type = "Type";
        public const string Active = "Active";
        public const string Config = "Config (JSON object, optional)";
        public const string ConfigNotObject = "Config must be a JSON object, like {\"model\": \"gpt-4o\"}.";
        public const string ConfigNotJson = "Config is not valid JSON";
        public const string AlreadyExists = "An agent named '{0}' already exists in project '{1}'. Open it from the list to edit it.";
        public const string NotAllowed = "Only Operators and Admins can register or edit agents.";
        public const string Registered = "Agent registered";
        public const string Saved = "Agent saved";
    }

    public static class Live
    {
        public const string Switch = "Live updates";
        public const string On = "Live";
        public const string Paused = "Paused";
        public const string Updated = "updated";
        public const string NewData = "new data waiting";
    }

    public static class Period
    {
        public const string Custom = "Custom";
        public const string From = "From (UTC)";
        public const string To = "To (UTC)";
        public const string Apply = "Apply";
        public const string BothNeeded = "Choose a start and an end.";
        public const string StartBeforeEnd = "The start must be earlier than the end.";
        public const string TooLong = "A custom period can be at most 366 days long.";
    }

    public static class Registry
    {
        public const string Title = "Agents";
        public const string Search = "Search name or external id";
        public const string Type = "Type";
        public const string Status = "Status";
        public const string Any = "Any";
        public const string RegisterAgent = "Register agent";
        public const string NoAgents = "No agent matches. Agents appear when they call POST /agents/register, or when their spans arrive at /v1/traces.";
    }

    public static class AgentPage
    {
        public const string Title = "Agent";
        public const string NotFoundTitle = "Agent not found";
        public const string RunsFailed = "Could not list runs.";
        public const string NotFound = "There is no agent with this id. It may belong to a project you cannot see, or the link is wrong.";
        public const string Runs = "Runs";
        public const string RunsAndErrors = "Runs and errors per hour";
        public const string Latency = "Run latency per hour";
        public const string Tokens = "Tokens per hour";
        public const string NoRuns = "No runs in this period. Runs appear when the agent calls POST /agents/{id}/trace/start.";
        public const string Status = "Status";
        public const string AllStatuses = "All";
        public const string Monitoring = "Monitoring";
        public const string Deactivate = "Deactivate";
        public const string Activate = "Activate";
        public const string MonitoringOn = "Monitoring is on: runs and spans of this agent are stored.";
        public const string MonitoringOff = "Monitoring is off: this agent's runs still get ids, and nothing is stored.";
        public const string Deactivated = "The agent is inactive: it cannot start runs until activated.";
        public const string Activated = "The agent is active again.";
        public const string UpdateFailed = "Could not change the agent.";
        public const string Edit = "Edit";
        public const string CostPerHour = "Cost per hour (USD)";
        public const string TopErrors = "Top errors";
        public const string NoErrors = "No errors in this period.";
        public const string LatestTrace = "latest trace";
        public const string RunsSeries = "Runs";
        public const string ErrorsSeries = "Errors";
        public const string P50Series = "p50";
        public const string P95Series = "p95";
        public const string CostSeries = "Cost (USD)";
        public const string Facts = "About this agent";
    }

    public static class TracesPage
    {
        public const string Title = "Traces";
        public const string Search = "Search input, output or error";
        public const string Agent = "Agent";
        public const string AnyAgent = "All agents";
        public const string Model = "Model";
        public const string AnyModel = "All models";
        public const string Name = "Span or agent name";
        public const string Session = "Session or conversation id";
        public const string User = "User id";
        public const string NoRuns = "No run matches these filters in this period.";
        public const string FiltersFailed = "Could not load the agent and model choices.";
    }

    public static class TracePage
    {
        public const string Title = "Trace";
        public const string NotFound = "There is no trace with this id (yet). Spans can take a moment to arrive; reload to check again.";
        public const string Spans = "Spans";
        public const string Detail = "Span detail";
        public const string PickSpan = "Select a span to see its attributes.";
        public const string Summary = "Trace summary";
        public const string Duration = "Duration";
        public const string Depth = "Depth";
        public const string Services = "Services";
        public const string Agents = "Agents";
        public const string LlmCalls = "LLM calls";
        public const string Tokens = "Tokens in / out";
        public const string Cost = "Cost";
        public const string Errors = "Errors";
        public const string RunInput = "Run input";
        public const string RunOutput = "Run output";
        public const string Find = "Find in the trace";
        public const string FindHelp = "Span names, attribute keys and values, status messages";
        public const string ErrorsOnly = "Errors only";
        public const string MinDuration = "Min duration (ms)";
        public const string Kinds = "Span kinds";
        public const string NextMatch = "Next match";
        public const string PreviousMatch = "Previous match";
        public const string NoMatch = "No span matches.";
        public const string MatchOf = "{0} of {1}";
        public const string CollapseLlm = "Collapse LLM calls";
        public const string CollapseTools = "Collapse tools";
        public const string ExpandAll = "Expand all";
        public const string ResetZoom = "Reset zoom";
        public const string Axis = "Time axis: drag across it to zoom";
        public const string Expand = "Expand";
        public const string Collapse = "Collapse";
        public const string SpanSection = "Span";
        public const string GenAiSection = "GenAI";
        public const string ConversationSection = "Conversation";
        public const string EventsSection = "Events";
        public const string LinksSection = "Links";
        public const string NoLinks = "No links.";
        public const string LinkSameTrace = "span in this trace";
        public const string LinkOtherTrace = "trace";
        public const string AttributesSection = "Attributes";
        public const string ResourceSection = "Resource";
        public const string FilterAttributes = "Filter attributes";
        public const string NoConversation = "This span carries no messages.";
        public const string NoEvents = "No events.";
        public const string NoAttributes = "No attributes match.";
        public const string ShowAll = "Show all";
        public const string ShowLess = "Show less";
        public const string ToolCall = "Tool call";
        public const string AnswersCall = "answers";
        public const string Finish = "finish";
        public const string Unpriced = "no price for";
    }

    public static class Prices
    {
        public const string Title = "Model prices";
        public const string Explain = "USD per million tokens. Costs are computed from these when you look, so a new price re-prices usage from its date on; older usage keeps the older price.";
        public const string Model = "Model";
        public const string Input = "Input / 1M";
        public const string Output = "Output / 1M";
        public const string Cached = "Cached input / 1M";
        public const string From = "Effective from";
        public const string Save = "Save price";
        public const string Required = "Give a model name and the input and output prices.";
        public const string Saved = "Saved the price of {0} from {1:yyyy-MM-dd}.";
        public const string AsInput = "as input";
        public const string None = "No prices yet. Add one above; LLM calls to a model without a price show as \"no price\".";
        public const string Import = "Import LiteLLM prices…";
        public const string ImportHelp = "LiteLLM's model_prices_and_context_window.json: new and changed prices are added from the date above (today when empty).";
        public const string Imported = "Imported {0} new or changed prices from {1:yyyy-MM-dd}; {2} were already in force, {3} entries have no token prices.";
        public const string ImportRefused = "The file was not imported:";
    }

    public static class Admin
    {
        public const string Title = "Administration";
        public const string Security = "People and access";
        public const string Storage = "Storage";
        public const string Dependencies = "Dependencies";
        public const string CheckAgain = "Check again";
        public const string Checking = "Checking…";
        public const string LastChecked = "Last checked";
        public const string LoadFailed = "Could not load this panel.";
        public const string RegistryStore = "Registry, users and keys";
        public const string TelemetryStore = "Traces and spans";
        public const string DataFolder = "Data folder";
    }

    public static class People
    {
        public const string Title = "People";
        public const string Lead = "Who may sign in and what each may do. Admins: everything. Operators: agents, runs, chat and the API keys of their projects. Viewers: read-only.";
        public const string Add = "Add a person";
        public const string Email = "Email";
        public const string Role = "Role";
        public const string Projects = "Projects";
        public const string ProjectsHelp = "Projects whose API keys an Operator manages, separated by commas.";
        public const string Create = "Create account";
        public const string PasswordOnce = "Password for {0}, shown only this once. Hand it over safely; they must change it when they first sign in.";
        public const string Dismiss = "I have saved it";
        public const string Reset = "Reset password";
        public const string Disable = "Disable";
        public const string Enable = "Enable";
        public const string Status = "Status";
        public const string Created = "Created";
        public const string Active = "active";
        public const string Disabled = "disabled";
        public const string Locked = "locked out";
        public const string MustChange = "must change password";
        public const string Sso = "single sign-on";
        public const string Save = "Save";
        public const string NoPeople = "Nobody has an account yet.";
        public const string ConfirmDisable = "Disable {0}? They are signed out everywhere and cannot sign in until enabled again.";
        public const string ConfirmReset = "Reset the password of {0}? Their current password stops working and every session ends.";
        public const string Cancel = "Cancel";
    }

    public static class Keys
    {
        public const string Title = "API keys";
        public const string Lead = "Keys let agents, collectors and scripts call the portal. A key is shown once when it is created; only its first characters are kept in clear.";
        public const string Create = "Create key";
        public const string Name = "Name";
        public const string Project = "Project";
        public const string Scopes = "Scopes";
        public const string Expiry = "Expires";
        public const string Never = "never";
        public const string LastUsed = "Last used";
        public const string CreatedBy = "Created by";
        public const string Revoke = "Revoke";
        public const string Rotate = "Rotate";
        public const string SecretOnce = "The new key for project {0}, shown only this once. Copy it now and store it as a secret.";
        public const string Dismiss = "I have copied it";
        public const string NoKeys = "No API keys yet. Create one for each agent or collector that sends data.";
        public const string NoProjects = "You manage no projects yet: ask an Admin to add your projects on the People page.";
        public const string ConfirmRevoke = "Revoke {0}? Every caller using it gets 401 from its next request.";
        public const string ConfirmRotate = "Rotate {0}? It is revoked now and a new key with the same project and scopes is shown once.";
        public const string Active = "active";
        public const string Revoked = "revoked";
        public const string Expired = "expired";
        public const string IngestHelp = "ingest: register agents, start and end runs, send spans";
        public const string ReadHelp = "read: agents, stats and traces";
        public const string ChatHelp = "chat: the OpenAI-compatible chat API and runners";
    }

    public static class AlertsPage
    {
        public const string Title = "Alerts";
        public const string Lead = "Rules watch error rates, latency, cost, token use and silence, per agent, per project or for all agents. A breach that holds for the pending time fires: the rule's webhook is called and a banner shows on every page.";
        public const string NewRule = "New rule";
        public const string EditRule = "Edit rule";
        public const string Rules = "Alert rules";
        public const string History = "History";
        public const string NoRules = "No alert rules yet. Add one, e.g. run error rate above 5 % over 1 h for all agents.";
        public const string NoHistory = "Nothing has happened yet: rules write here when they go pending, fire, resolve or send a test.";
        public const string Rule = "Rule";
        public const string Scope = "Watches";
        public const string State = "State";
        public const string Now = "Now";
        public const string Notifications = "Notifications";
        public const string NotEnoughData = "not enough data";
        public const string NotEvaluated = "not evaluated yet";
        public const string NoWebhook = "banner only";
        public const string WebhookOff = "webhook off";
        public const string TurnBackOn = "Turn webhook back on";
        public const string MutedUntil = "muted until {0}";
        public const string Mute = "Mute";
        public const string Unmute = "Unmute";
        public const string Test = "Send test";
        public const string Delete = "Delete";
        public const string Edit = "Edit";
        public const string ConfirmDelete = "Delete the rule {0}? Its history stays.";
        public const string Disabled = "disabled";
        public const string At = "When";
        public const string What = "What";
        public const string Message = "Message";
        public const string Delivery = "Delivery";
        public const string Delivered = "delivered";
        public const string NotSent = "—";
        public const string BannerOne = "Alert firing: {0}";
        public const string BannerMany = "{0} alerts firing: {1}";
        public const string BannerLink = "See alerts";
        public const string ViewerNote = "You can see the rules; Admins and Operators change them.";
        public const string Name = "Name";
        public const string Metric = "Metric";
        public const string Threshold = "Above";
        public const string Window = "Window (hours)";
        public const string WindowHelp = "Measured on the hourly rollups: the last whole hours and the current one.";
        public const string MinSamples = "Minimum sample";
        public const string MinSamplesHelp = "Fewer runs (LLM calls for the LLM-call error rate) never fire, so one failure pages nobody.";
        public const string Pending = "Pending for (minutes)";
        public const string PendingHelp = "How long a breach must hold before the rule fires; 0 fires at once.";
        public const string Project = "Project";
        public const string Agent = "Agent";
        public const string Webhook = "Webhook URL";
        public const string WebhookHelp = "Optional. Slack's incoming-webhook URL, or any endpoint that takes JSON.";
        public const string Format = "Body";
        public const string Secret = "Signing secret";
        public const string SecretHelp = "Optional. Each call then carries X-AgentPortal-Signature: sha256=HMAC(secret, timestamp.body).";
        public const string SecretKept = "A secret is stored; leave empty to keep it.";
        public const string Enabled = "Evaluate this rule";
        public const string Save = "Save rule";
        public const string Cancel = "Cancel";
        public const string NotFound = "There is no such alert rule; it may have been deleted.";
    }

    public static class StoragePage
    {
        public const string Title = "Storage";
        public const string Lead = "What each store holds, how long telemetry is kept, the schema's migrations and the last backup.";
        public const string Telemetry = "Traces and spans";
        public const string Registry = "Registry, users and keys";
        public const string Retention = "Retention";
        public const string Backups = "Backups";
        public const string Store = "Store";
        public const string Location = "Location";
        public const string OnDisk = "On disk";
        public const string InUse = "In use by rows";
        public const string Oldest = "Oldest span";
        public const string Newest = "Newest span";
        public const string NoSpans = "No spans stored yet.";
        public const string Table = "Table";
        public const string Rows = "Rows";
        public const string Size = "Size";
        public const string Migrations = "Schema";
        public const string NoMigrations = "No migrations: the tables are created or extended when the portal starts.";
        public const string LoadFailed = "Could not read this store.";
        public const string SpansKept = "Spans and runs kept";
        public const string RollupsKept = "Hourly rollups kept (charts, costs, alerts)";
        public const string Schedule = "A pass every";
        public const string DiskCap = "Database cap";
        public const string MinFree = "Free disk floor";
        public const string Off = "off";
        public const string RetentionOff = "Retention is turned off on this replica (Retention:Enabled=false): nothing is deleted by age here.";
        public const string NotEmbedded = "The cap and the free-disk floor apply to the embedded store only.";
        public const string LastPass = "Last pass";
        public const string NoPassYet = "No pass has run since this replica started.";
        public const string ApplyNow = "Apply retention now";
        public const string Applying = "Applying…";
        public const string NoBackup = "No backup is recorded.";
        public const string BackupHow = "Make one while the portal runs with: AgentPortal.Dashboard backup --out <file.zip>. With PostgreSQL or ClickHouse, back those up with their own tools (pg_dump, clickhouse-backup).";
        public const string BackupOld = "The last backup is more than 7 days old.";
        public const int BackupOldDays = 7;
    }

    public static class AuditPage
    {
        public const string Title = "Audit log";
        public const string Lead = "Administrative actions: sign-ins and failures, people and roles, API keys, agents and prices. Newest first.";
        public const string Area = "Area";
        public const string AllAreas = "All";
        public const string Actor = "Who";
        public const string Search = "Target or detail contains";
        public const string When = "When (UTC)";
        public const string Action = "What";
        public const string Target = "Target";
        public const string Detail = "Detail";
        public const string From = "From";
        public const string Empty = "No actions match.";
    }

    public static class ToolsPage
    {
        public const string Title = "Tools";
        public const string Lead = "Your team's other observability tools, served through AgentPortal's sign-in. Their credentials stay on the server.";
        public const string Open = "Open";
        public const string NotConfigured = "Not configured";
        public const string Configured = "Configured";
        public const string AdminOnly = "Admins only";
        public const string SetThese = "To show {0} here, set these variables where AgentPortal runs and restart it:";
        public const string OpenDirect = "Open in its own tab";
        public const string ReadOnly = "You are a Viewer: you can look around, but changes are refused.";
    }

    public static class Manage
    {
        public const string Title = "Your account";
        public const string Required = "Your password was generated by an Admin. Choose your own before you go on.";
        public const string Current = "Current password";
        public const string New = "New password";
        public const string Confirm = "New password again";
        public const string Change = "Change password";
        public const string Changed = "Your password was changed. Other sessions were signed out.";
        public const string Everywhere = "Sign out everywhere";
        public const string EverywhereHelp = "Ends every session of this account, on every device, including this one.";
        public const string Back = "Back to the portal";
        public const string External = "You sign in with single sign-on; your password is managed by your organisation's provider.";
    }

    public static class SqlPage
    {
        public const string Title = "Text to SQL";
        public const string Explain = "Ask a question about a database; the gateway's model writes one read-only SELECT. Nothing runs until you press Run. Each question is a run of the agent vanna-<connection>.";
        public const string NeedsGateway = "Text to SQL asks the LLM gateway for SQL. Set Llm:BaseUrl and Llm:ApiKey, then restart the portal.";
        public const string NoConnections = "No database is configured for text to SQL. Add one as Vanna:Connections:<id>:ConnectionString (a SQLite file), e.g. Vanna__Connections__sales__ConnectionString=\"Data Source=/data/sales.db\".";
        public const string Connection = "Database";
        public const string Question = "Question";
        public const string Ask = "Write SQL";
        public const string Writing = "Writing SQL…";
        public const string Sql = "Proposed SQL";
        public const string Run = "Run";
        public const string WillNotRun = "This will not run:";
        public const string Results = "Results";
        public const string RowsShown = "{0} rows in {1}.";
        public const string Truncated = "More rows were not read: the row limit (Vanna:RowLimit) was reached.";
        public const string NoRows = "The query returned no rows.";
    }

    public static class ChatPage
    {
        public const string Title = "Chat";
        public const string Conversations = "Conversations";
        public const string NewConversation = "New chat";
        public const string NoConversations = "No conversations yet. Send a message to start one.";
        public const string Rename = "Rename";
        public const string Delete = "Delete";
        public const string Model = "Model";
        public const string Agent = "Chat as agent";
        public const string NoAgent = "No agent";
        public const string RunnerAgent = "Messages go to this agent's flow; its run is the answer's trace.";
        public const string SystemPrompt = "System prompt";
        public const string Temperature = "Temperature";
        public const string MaxTokens = "Max tokens";
        public const string Message = "Message";
        public const string MessageHelp = "Ctrl+Enter sends.";
        public const string Send = "Send";
        public const string Stop = "Stop";
        public const string Answering = "Answering…";
        public const string Empty = "Ask the selected model something. Each answer shows its tokens, cost, latency and a link to its trace.";
        public const string OpenTrace = "Open trace";
        public const string In = "in";
        public const string Out = "out";
        public const string FirstToken = "first token";
        public const string Unpriced = "no price";
        public const string PerMillion = "per 1M tokens in / out";
        public const string NotSent = "Not sent";
        public const string Incomplete = "Incomplete answer";
        public const string NotConfiguredTitle = "No LLM gateway is configured";
        public const string NotConfigured = "The chat page sends messages through an OpenAI-compatible gateway such as LiteLLM. Set its base URL and the portal's key there, then restart the portal:";
        public const string NotConfiguredExample = "Llm__BaseUrl=http://litellm:4000\nLlm__ApiKey=sk-your-litellm-key\nLlm__DefaultModel=gpt-4o-mini";
        public const string ModelsFailed = "Could not load the gateway's models.";
        public const string NoModels = "The gateway lists no models. Add models to the gateway (LiteLLM's model_list) and reload.";
        public const string TitleField = "Title";
        public const string Save = "Save";
        public const string Cancel = "Cancel";
    }

    public static class Errors
    {
        public const string NotFoundTitle = "Page not found";
        public const string NotFound = "There is no page at this address. Use the menu to find your way.";
        public const string AccessDeniedTitle = "Access denied";
        public const string AccessDenied = "Your role does not allow this page. Ask an administrator for access.";
        public const string ErrorTitle = "Something went wrong";
        public const string Error = "The portal could not finish this request. It has been logged; try again, and if it keeps happening tell your administrator the time it happened.";
    }
}
