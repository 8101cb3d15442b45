using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xception.Compiler.Runtime.Import;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Import;

/// <summary>An imported description's <c>$schema</c> names a file that is there: the repository's schema, written beside it.</summary>
public sealed class ImportSchemaTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("xcs-import-schema-").FullName;

    [Fact]
    public void ImportedDescription_SchemaResolvesToTheRepositorySchema()
    {
        ImportResult imported = ModelImporter.Import(new ImportRequest(TestPaths.Fixture("import/sequential_keras208.h5"), _directory, ClassName: "Flowers"));

        using JsonDocument description = JsonDocument.Parse(File.ReadAllText(imported.DescriptionPath));
        string schema = description.RootElement.GetProperty("$schema").GetString()!;
        string resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(imported.DescriptionPath)!, schema));
        Assert.Equal(imported.SchemaPath, resolved);
        Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "model.xcs.schema.json")), File.ReadAllText(resolved));
        Assert.Equal(new[] { "Flowers.shapes.json", "Flowers.xcs.json", "model.xcs.schema.json" }, Array.ConvertAll(Directory.GetFiles(_directory), f => Path.GetFileName(f)!).Order(StringComparer.Ordinal));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
