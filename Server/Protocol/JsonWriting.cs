using System.Text.Encodings.Web;
using System.Text.Json;

namespace Xception.Compiler.Serving.Protocol;

/// <summary>How the server writes JSON: quotes and accents as themselves (error messages and labels stay readable).</summary>
internal static class JsonWriting
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
