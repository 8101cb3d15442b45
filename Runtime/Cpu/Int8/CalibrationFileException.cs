namespace Xception.Compiler.Runtime.Cpu.Int8;

/// <summary>
/// A calibration file that cannot be read, or that was made for another model or other weight shapes (a stale file).
/// The message names the file, what was expected and what was found.
/// </summary>
public sealed class CalibrationFileException : System.Exception
{
    public CalibrationFileException(string source, string detail, System.Exception? innerException = null)
        : base($"Calibration '{source}': {detail}", innerException)
    {
        CalibrationPath = source;
    }

    /// <summary>The file (or "(in memory)") the calibration came from.</summary>
    public string CalibrationPath { get; }
}
