using AgentPortal.Core;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Api;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Embeds;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;
using MudBlazor.Services;

namespace AgentPortal.Dashboard.Hosting;

public static class DashboardServiceExtensions
{
    public static WebApplicationBuilder AddDashboardServices(this WebApplicationBuilder builder)
    {
        // Static web assets (top-level wwwroot, MudBlazor, blazor.web.js) resolve from the build output
        // in every environment, not only Development.
        builder.WebHost.UseStaticWebAssets();

        // A relative data folder is relative to where the portal is started (the repository root with `dotnet run`).
        builder.Services.AddPortalCore(Directory.GetCurrentDirectory());
        builder.Services.AddHostedService<PortalStartup>();
        // The HTTP API speaks the seed's snake_case names (trace_id, project_id, last_used_at).
        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);

        // Keys live in the data folder so sign-in cookies survive restarts and upgrades.
        builder.Services.AddDataProtection().SetApplicationName(UiText.ProductName);
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<PortalPaths, ILoggerFactory>((options, paths, loggers) =>
                options.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(paths.DataProtectionKeys), loggers));

        builder.Services.AddPortalMetrics();
        builder.ListenForOtlpGrpc();
        builder.Services.AddGrpc();
        // One size limit for OTLP, whichever way it arrives.
        builder.Services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<ApiOptions>>((grpc, api) => grpc.MaxReceiveMessageSize = api.Value.OtlpMaxBodyBytes);

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        // Notices appear bottom right, clear of the firing-alert banner and the account menu at the top.
        builder.Services.AddMudServices(mud => mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        builder.Services.AddDashboardViewModels();

        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddProblemDetails();
        builder.Services.AddPortalAuthentication(builder.Configuration);
        builder.Services.AddPortalSecurity();
        builder.Services.AddEmbeds();
        builder.Services.ConfigureApplicationCookie(options =>
        {
            // Machine endpoints answer 401/403 problem details instead of redirecting to the sign-in page.
            options.Events.OnRedirectToLogin = context => IsMachineApi(context.HttpContext)
                ? ApiAuthentication.WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "API key required", ApiAuthentication.MissingKeyDetail)
                : RedirectAsync(context);
            options.Events.OnRedirectToAccessDenied = context => IsMachineApi(context.HttpContext)
                ? ApiAuthentication.WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden", "Your role does not allow this: writes need the Admin or Operator role.")
                : RedirectAsync(context);
            options.LoginPath = "/account/login";
            options.LogoutPath = "/account/logout";
            options.AccessDeniedPath = "/account/denied";
            options.Cookie.Name = "AgentPortal.Auth";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.SlidingExpiration = true;
        });
        builder.Services.AddIdentityCore<PortalUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                PasswordPolicy.Apply(options.Password);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager<PortalSignInManager>()
            .AddDefaultTokenProviders();

        return builder;
    }

    /// <summary>
    /// OTLP/gRPC gets its own HTTP/2-only (h2c) endpoint, as collectors expect (4317): without TLS a port
    /// cannot offer both HTTP/1.1 and HTTP/2. Listening in code replaces the addresses given by --urls or
    /// ASPNETCORE_URLS, so those are listened on here as well.
    /// </summary>
    private static void ListenForOtlpGrpc(this WebApplicationBuilder builder) => builder.WebHost.ConfigureKestrel((context, kestrel) =>
    {
        var grpc = context.Configuration[$"{ApiOptions.SectionName}:{nameof(ApiOptions.OtlpGrpcUrl)}"] ?? ApiOptions.DefaultOtlpGrpcUrl;
        if (string.IsNullOrWhiteSpace(grpc) || !Uri.TryCreate(grpc, UriKind.Absolute, out _))
        {
            // Off, or not an address: options validation stops the start with a message naming the key.
            return;
        }
        var urls = context.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } configured ? configured : "http://localhost:5000";
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Listen(kestrel, url, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2);
        }
        Listen(kestrel, grpc, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
    });

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, string url, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols protocols)
    {
        var address = BindingAddress.Parse(url);
        void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
        {
            listen.Protocols = protocols;
            if (address.Scheme == Uri.UriSchemeHttps)
            {
                listen.UseHttps();
            }
        }
        if (address.Host is "localhost")
        {
            kestrel.ListenLocalhost(address.Port, Configure);
        }
        else if (address.Host is "*" or "+" or "0.0.0.0" or "[::]" || !System.Net.IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
        {
            kestrel.ListenAnyIP(address.Port, Configure);
        }
        else
        {
            kestrel.Listen(ip, address.Port, Configure);
        }
    }

    /// <summary>The pages' view models: one per component that injects it, so each page holds its own state.</summary>
    public static IServiceCollection AddDashboardViewModels(this IServiceCollection services) => services
        .AddTransient<OverviewViewModel>()
        .AddTransient<AgentDetailViewModel>()
        .AddTransient<TraceDetailViewModel>()
        .AddTransient<TracesViewModel>()
        .AddTransient<RunListViewModel>()
        .AddTransient<RegistryViewModel>()
        .AddTransient<CompareViewModel>()
        .AddTransient<PeopleViewModel>()
        .AddTransient<ApiKeysViewModel>()
        .AddTransient<AlertsViewModel>()
        .AddTransient<ChatViewModel>()
        .AddTransient<TextToSqlViewModel>()
        .AddSingleton<Embeds.EmbeddedTools>()
        // Spans of recently opened traces, bounded by span count so a few huge traces cannot fill memory.
        .AddSingleton(_ => new RecentTraces(new MemoryCache(new MemoryCacheOptions { SizeLimit = 500_000 })));

    private static bool IsMachineApi(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<MachineApiMetadata>() is not null;

    private static Task RedirectAsync(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    public static WebApplication UseDashboardPipeline(this WebApplication app)
    {
        // First, before any service that reads options is built and before anything touches the disk.
        app.Services.GetRequiredService<StartupConfigurationCheck>().ThrowIfInvalid(app.Services);

        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found");

        app.UsePortalSecurity();
        app.MapMetricsApi();
        // Before authentication: checking an API key reads the registry.
        app.UseMiddleware<Api.RegistryUnavailableMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseOtlpGrpcFrameCheck();

        app.MapStaticAssets().AllowAnonymous();
        app.MapHealthApi();
        app.MapAccountApi();
        app.MapSingleSignOn();
        app.MapAgentsApi();
        app.MapChatApi();
        app.MapObservabilityApi();
        app.MapRunnersApi();
        app.MapOtlpApi();
        app.MapPricesApi();
        // The service checks the API key itself, so a caller without one gets UNAUTHENTICATED, not an HTTP redirect.
        app.MapGrpcService<OtlpGrpcService>().AllowAnonymous().WithMetadata(new IngestRateLimitMetadata());
        app.MapEmbeds();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
