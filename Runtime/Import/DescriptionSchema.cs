using System;
using System.IO;

namespace Xception.Compiler.Runtime.Import;

/// <summary>
/// The description schema (<c>model.xcs.schema.json</c> of the repository, embedded in this assembly), which an
/// import writes beside the description it makes: an editor resolves <c>"$schema": "./model.xcs.schema.json"</c>
/// relative to the description, so the file must be there.
/// </summary>
internal static class DescriptionSchema
{
    public const string FileName = "model.xcs.schema.json";

    private const string ResourceName = "Xception.Compiler.Runtime.model.xcs.schema.json";

    private static readonly Lazy<string> s_text = new(ReadEmbedded);

    public static string Text => s_text.Value;

    private static string ReadEmbedded()
    {
        using Stream stream = typeof(DescriptionSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
