using System.CommandLine;
using System.IO;
using System.Text;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Sample;

/// <summary><c>shapes file.h5 [-o out.json]</c>: writes the weight shape table the generator compiles against.</summary>
internal static class ShapesCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "A Keras .h5 weight file (Keras 2 save_weights or the official Keras 1 layout)." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Where to write the table (default: standard output)." };
        var command = new Command("shapes", "Extract the *.shapes.json weight shape table of a Keras .h5 file.") { file, output };
        command.SetAction(result =>
        {
            string json = ShapeTable.Extract(result.GetValue(file)!.FullName).ToJson();
            FileInfo? target = result.GetValue(output);
            if (target is null)
            {
                System.Console.Out.Write(json);
                return 0;
            }

            // Write beside the target, then move: a failed run never leaves a half-written table.
            string temporary = target.FullName + ".tmp";
            File.WriteAllText(temporary, json, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, target.FullName, overwrite: true);
            System.Console.Error.WriteLine($"wrote {target.FullName}");
            return 0;
        });
        return command;
    }
}
