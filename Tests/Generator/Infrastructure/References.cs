using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Tests.Generator.Infrastructure;

/// <summary>Hermetic references for compiling emitted code: .NET 8 reference assemblies plus the Runtime.</summary>
internal static class References
{
    public static readonly IReadOnlyList<MetadataReference> All =
        Basic.Reference.Assemblies.Net80.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(ExecutionBackend).Assembly.Location))
            .ToArray();
}
