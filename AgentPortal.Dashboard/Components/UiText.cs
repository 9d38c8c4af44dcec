namespace AgentPortal.Dashboard.Components;

/// <summary>
/// The words people read on each page, in one place so tests find elements by the same text.
/// </summary>
public static class UiText
{
    public const string ProductName = "AgentPortal";

    public static class Nav
    {
        public const string Overview = "Overview";
        public const string Agents = "Agents";
        public const string Traces = "Traces";
        public const string Chat = "Chat";
        public const string Tools = "Tools";
        public const string Admin = "Admin";
        public const string SignOut = "Sign out";
        public const string DarkMode = "Toggle dark mode";
    }

    public static class Login
    {
        public const string Title = "Sign in";
        public const string Email = "Email";
        public const string Password = "Password";
        public const string RememberMe = "Keep me signed in";
        public const string Submit = "Sign in";
        public const string Failed = "The email or password is not right.";
        public const string LockedOut = "Too many failed attempts. Try again in 5 minutes.";
        public const string FirstRunHint = "First run? The administrator's email and generated password were printed to the console where AgentPortal started.";
    }

    public static class Planned
    {
        public const string Heading = "Not built yet";
        public const string Lead = "This page will show:";
    }

    public static class Admin
    {
        public const string Title = "Administration";
        public const string Users = "Users";
        public const string Storage = "Storage";
        public const string Dependencies = "Dependencies";
        public const string CheckAgain = "Check again";
        public const string Checking = "Checking…";
        public const string LastChecked = "Last checked";
        public const string NoUsers = "No users yet.";
        public const string LoadFailed = "Could not load this panel.";
        public const string Retry = "Retry";
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
