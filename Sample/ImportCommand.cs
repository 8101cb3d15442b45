using System.CommandLine;
using System.IO;
using Xception.Compiler.Runtime.Import;

namespace Xception.Compiler.Sample;

/// <summary>
/// <c>import MODEL [-o DIR] [--name ClassName] [--namespace N] [--weights W] [--labels FILE]</c>: writes the description and
/// weight shape table of a Keras model file, ready to add to a project.
/// </summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "A Keras model: a full-model .h5 (model.save), a Keras 3 .keras archive, or a model.to_json() file (with --weights)." };
        var output = new Option<DirectoryInfo?>("--output", "-o") { Description = "The folder to write <ClassName>.xcs.json and <ClassName>.shapes.json to (default: the current folder)." };
        var name = new Option<string?>("--name") { Description = "The generated class's name (default: from the model file's name)." };
        var ns = new Option<string?>("--namespace") { Description = "The generated class's namespace (default: the project's root namespace)." };
        var weights = new Option<FileInfo?>("--weights") { Description = "The weight file to read the shape table from (default: the model file)." };
        var labels = new Option<FileInfo?>("--labels") { Description = "Class names to copy into the description (one per line, or a JSON list, or Keras's class index {\"0\": [id, name], ...}); the class then has Labels and TopK." };
        var command = new Command("import", "Turn a Keras model file into a model description and weight shape table for the Xception.Compiler generator.") { model, output, name, ns, weights, labels };
        command.SetAction(result =>
        {
            var request = new ImportRequest(
                result.GetValue(model)!.FullName,
                result.GetValue(output)?.FullName ?? Directory.GetCurrentDirectory(),
                result.GetValue(name),
                result.GetValue(ns),
                result.GetValue(weights)?.FullName,
                result.GetValue(labels)?.FullName);
            ImportResult imported = ModelImporter.Import(request);
            System.Console.Error.WriteLine($"read {imported.Source.Path}: {imported.LayerCount} layers, {imported.WeightedLayerCount} with weights");
            System.Console.Error.WriteLine($"wrote {imported.DescriptionPath}");
            System.Console.Error.WriteLine($"wrote {imported.ShapeTablePath}");
            return 0;
        });
        return command;
    }
}
