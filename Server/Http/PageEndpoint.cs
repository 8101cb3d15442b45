using System.IO;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Xception.Compiler.Serving.Http;

/// <summary><c>GET /</c>: the try-it page, one static HTML file embedded in the assembly.</summary>
internal static class PageEndpoint
{
    private const string ResourceName = "Xception.Compiler.Serving.index.html";

    public static void Map(WebApplication app)
    {
        byte[] page = Load();
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
