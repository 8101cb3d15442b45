using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Xception.Compiler.Serving.Http;

/// <summary><c>GET /</c>: the try-it page, one static HTML file embedded in the assembly.</summary>
internal static class PageEndpoint
{
    private const string ResourceName = "Xception.Compiler.Serving.index.html";

    /// <summary>The page's model list, replaced by the served names: the protocol has no endpoint that lists models.</summary>
    private const string ModelsPlaceholder = "/*MODELS*/[\"mini\"]";

    public static void Map(WebApplication app, ModelRegistry registry)
    {
        string names = JsonSerializer.Serialize(registry.Models.Select(m => m.Name).ToArray());
        string html = Encoding.UTF8.GetString(Load());
        if (!html.Contains(ModelsPlaceholder, System.StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The page resource lacks its model list placeholder {ModelsPlaceholder}.");
        }

        byte[] page = Encoding.UTF8.GetBytes(html.Replace(ModelsPlaceholder, names, System.StringComparison.Ordinal));
        app.MapGet("/", () => Results.Bytes(page, "text/html; charset=utf-8"));
    }

    private static byte[] Load()
    {
        using Stream stream = typeof(PageEndpoint).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new FileNotFoundException($"The page resource '{ResourceName}' is missing from the assembly.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
