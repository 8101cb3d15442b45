using System;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>
/// A Keras <c>.h5</c> weight file that cannot be read or does not fit the model that reads it.
/// The message names the file, the layer and dataset concerned, what was expected and what was found.
/// </summary>
/// <remarks>
/// A path that does not exist gets a <see cref="System.IO.FileNotFoundException"/> instead, as any other
/// .NET file API would give; every problem with the contents of an existing file is a
/// <see cref="WeightFileException"/>, including errors raised by the HDF5 reader, which are wrapped
/// (see <see cref="Exception.InnerException"/>).
/// </remarks>
public sealed class WeightFileException : Exception
{
    public WeightFileException(string filePath, string message, string? layerName = null, string? datasetPath = null, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        LayerName = layerName;
        DatasetPath = datasetPath;
    }

    /// <summary>The weight file, as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>The layer group in the file the problem concerns, when there is one.</summary>
    public string? LayerName { get; }

    /// <summary>The full dataset path (from the file's root) the problem concerns, when there is one.</summary>
    public string? DatasetPath { get; }

    /// <summary>Builds the "Weight file 'x.h5': detail" message every instance uses.</summary>
    internal static WeightFileException Create(string filePath, string detail, string? layerName = null, string? datasetPath = null, Exception? innerException = null)
        => new(filePath, "Weight file '" + filePath + "': " + detail, layerName, datasetPath, innerException);
}
