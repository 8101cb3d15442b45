using System;

namespace Xception.Compiler.Sample;

/// <summary>A command line that cannot be carried out; its message is printed without a stack trace.</summary>
internal sealed class UsageException(string message) : Exception(message);
