using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Xception.Compiler.Tests")]
