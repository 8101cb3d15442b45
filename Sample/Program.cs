using System;
using System.CommandLine;
using System.IO;
using Xception.Compiler.Sample;

var root = new RootCommand("Xception.Compiler sample: run compiled Keras models from .NET.")
{
    ClassifyCommand.Create(),
    PredictCommand.Create(),
    ShapesCommand.Create(),
    ImportCommand.Create(),
    BenchCommand.Create(),
    ServeCommand.Create(),
    CalibrateCommand.Create(),
};

try
{
    // Let expected failures reach the handler below (one line, no stack trace).
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (CommandErrors.IsExpected(e))
{
    Console.Error.WriteLine($"error: {e.Message}");
    return e is UsageException ? 2 : 1;
}
