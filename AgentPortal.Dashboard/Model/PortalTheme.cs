using MudBlazor;

namespace AgentPortal.Dashboard.Model;

/// <summary>The theme the page was requested with, handed from the prerender to the layout.</summary>
public sealed record ThemeChoice(bool DarkMode);

/// <summary>AgentPortal's colours, type and spacing, light and dark, in one place.</summary>
public static class PortalTheme
{
    public const string CookieName = "AgentPortal.Theme";
    public const string Dark = "dark";
    public const string Light = "light";

    public static bool IsDark(string? cookie) => cookie == Dark;

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            Tertiary = "#8e24aa",
            Info = "#0288d1",
            Success = "#2e7d32",
            Warning = "#ef6c00",
            Error = "#c62828",
            AppbarBackground = "#283593",
            AppbarText = "#ffffff",
            Background = "#f5f6fa",
            Surface = "#ffffff",
            DrawerBackground = "#ffffff",
            DrawerText = "rgba(0,0,0,0.8)",
            TextSecondary = "rgba(0,0,0,0.6)",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            Secondary = "#4db6ac",
            Tertiary = "#ce93d8",
            Info = "#4fc3f7",
            Success = "#81c784",
            Warning = "#ffb74d",
            Error = "#ef9a9a",
            AppbarBackground = "#1b1e2b",
            AppbarText = "#e8eaf6",
            Background = "#12141c",
            Surface = "#1c1f2b",
            DrawerBackground = "#171a24",
            DrawerText = "rgba(255,255,255,0.8)",
            TextPrimary = "rgba(255,255,255,0.9)",
            TextSecondary = "rgba(255,255,255,0.65)",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Inter", "Segoe UI", "Roboto", "system-ui", "sans-serif"], FontSize = "0.875rem" },
            H4 = new H4Typography { FontSize = "1.6rem", FontWeight = "500" },
            H6 = new H6Typography { FontSize = "1.05rem", FontWeight = "500" },
            Button = new ButtonTypography { TextTransform = "none", FontWeight = "500" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px", DrawerWidthLeft = "220px" },
    };

    /// <summary>Colours of chart series, the same on every chart.</summary>
    public static IReadOnlyList<string> ChartColours { get; } = ["#3949ab", "#c62828", "#00897b", "#ef6c00", "#8e24aa"];
}

/// <summary>The browser's address as the portal saw it when the page was requested; cascaded for the audit log.</summary>
public sealed record ClientAddress(string? Value);
