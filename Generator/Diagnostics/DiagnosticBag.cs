using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Diagnostics;

/// <summary>
/// The diagnostics of one input file, in the order found, each reported once. The parsers and the
/// planner all report through this bag, so "has errors" means the same everywhere.
/// </summary>
internal class DiagnosticBag
{
    public DiagnosticBag(string filePath)
    {
        FilePath = filePath;
    }

    public string FilePath { get; }

    public List<DiagnosticInfo> Items { get; } = new();

    public bool HasErrors { get; private set; }

    public void Report(DiagnosticDescriptor descriptor, SourceSpan span, params string[] arguments) =>
        Add(DiagnosticInfo.Create(descriptor.Id, FilePath, span, arguments), descriptor);

    /// <summary>Takes over diagnostics found earlier (the parser's, carried into the planner).</summary>
    public void Add(IEnumerable<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo d in diagnostics)
        {
            Add(d, DiagnosticDescriptors.Get(d.Id));
        }
    }

    private void Add(DiagnosticInfo info, DiagnosticDescriptor descriptor)
    {
        if (descriptor.DefaultSeverity == DiagnosticSeverity.Error)
        {
            HasErrors = true;
        }

        if (!Items.Contains(info))
        {
            Items.Add(info);
        }
    }
}
