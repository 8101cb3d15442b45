using Xception.Compiler.Serving.Batching;

namespace Xception.Compiler.Serving.Http;

/// <summary>How <see cref="InferenceServer"/> listens and batches.</summary>
public sealed record ServerOptions
{
    /// <summary>Kestrel's listen addresses, separated by ';' (port 0 picks a free port).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    public BatchingOptions Batching { get; init; } = new();

    /// <summary>
    /// Kestrel's MaxRequestBodySize. The default holds one full-size Xception image as JSON text (about 3.2 MB)
    /// several times over, and 8 images as binary data (8.6 MB).
    /// </summary>
    public long MaxRequestBodyBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>
    /// The nice value the request handlers' threads take (0..19; 0 leaves them alone), below the compute
    /// threads' priority: see <see cref="HandlerThreadNice"/>.
    /// </summary>
    public int HandlerNice { get; init; }

    /// <summary>The <c>name</c> of the server metadata (<c>GET /v2</c>).</summary>
    public string ServerName { get; init; } = "xception-compiler";

    /// <summary>The <c>version</c> of the server metadata.</summary>
    public string ServerVersion { get; init; } = typeof(ServerOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
