using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>Collects the planner's diagnostics for one description file.</summary>
internal sealed class DiagnosticSink
{
    public DiagnosticSink(string filePath)
    {
        FilePath = filePath;
    }

    public string FilePath { get; }

    public List<DiagnosticInfo> Items { get; } = new();

    public bool HasErrors { get; private set; }

    public void Report(DiagnosticDescriptor descriptor, SourceSpan span, params string[] arguments)
    {
        if (descriptor.DefaultSeverity == DiagnosticSeverity.Error)
        {
            HasErrors = true;
        }

        DiagnosticInfo info = DiagnosticInfo.Create(descriptor.Id, FilePath, span, arguments);
        if (!Items.Contains(info))
        {
            Items.Add(info);
        }
    }

    public void Add(IEnumerable<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo d in diagnostics)
        {
            if (Diagnostics.DiagnosticDescriptors.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error)
            {
                HasErrors = true;
            }

            if (!Items.Contains(d))
            {
                Items.Add(d);
            }
        }
    }
}
