using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>Collects located diagnostics while one JSON file is read.</summary>
internal sealed class ParseContext
{
    public ParseContext(string filePath, JsonDocument document)
    {
        FilePath = filePath;
        Document = document;
    }

    public string FilePath { get; }

    public JsonDocument Document { get; }

    public List<DiagnosticInfo> Diagnostics { get; } = new();

    public bool HasErrors { get; private set; }

    public void Report(DiagnosticDescriptor descriptor, SourceSpan span, params string[] arguments)
    {
        if (descriptor.DefaultSeverity == DiagnosticSeverity.Error)
        {
            HasErrors = true;
        }

        DiagnosticInfo info = DiagnosticInfo.Create(descriptor.Id, FilePath, span, arguments);
        if (!Diagnostics.Contains(info))
        {
            Diagnostics.Add(info);
        }
    }

    public void Report(DiagnosticDescriptor descriptor, JsonNode node, params string[] arguments) =>
        Report(descriptor, Document.Span(node), arguments);

    public void ReportName(DiagnosticDescriptor descriptor, JsonMember member, params string[] arguments) =>
        Report(descriptor, Document.NameSpan(member), arguments);
}
