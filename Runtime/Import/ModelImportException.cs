using System;

namespace Xception.Compiler.Runtime.Import;

/// <summary>
/// A Keras model file that <see cref="ModelImporter"/> cannot turn into a description: not a Keras model, a
/// layer or setting the description language cannot express, or weights that do not fit. The message is one
/// line that names the file, the layer and its class, and what is supported.
/// </summary>
internal sealed class ModelImportException : Exception
{
    public ModelImportException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
