using System;
using System.IO;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime.Import;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Sample;

internal static class CommandErrors
{
    /// <summary>Failures a user can fix from the message alone: printed as one line, no stack trace.</summary>
    public static bool IsExpected(Exception e) => e is UsageException
        or WeightFileException
        or ModelImportException
        or WeightDownloadException
        or BackendUnavailableException
        or InvalidDataException
        or FileNotFoundException
        or DirectoryNotFoundException
        or UnauthorizedAccessException
        or ArgumentException
        or Runtime.Cpu.Int8.CalibrationFileException;
}
