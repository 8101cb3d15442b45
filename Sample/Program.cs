using System;
using System.CommandLine;
using System.IO;
using Xception.Compiler.Sample;

var root = new RootCommand("Xception.Compiler sample: run compiled Keras models from .NET.")
{
    PredictCommand.Create(),
    ShapesCommand.Create(),
};

try
{
    return root.Parse(args).Invoke();
}
catch (Exception e) when (CommandErrors.IsExpected(e))
{
    Console.Error.WriteLine($"error: {e.Message}");
    return e is UsageException ? 2 : 1;
}
