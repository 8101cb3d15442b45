namespace Xception.Compiler.Generator;
internal static class Placeholder { }
