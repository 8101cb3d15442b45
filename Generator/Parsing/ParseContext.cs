using Microsoft.CodeAnalysis;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>The diagnostic bag of one JSON file while it is read, able to locate a node or a member's name in it.</summary>
internal sealed class ParseContext : DiagnosticBag
{
    public ParseContext(string filePath, JsonDocument document)
        : base(filePath)
    {
        Document = document;
    }

    public JsonDocument Document { get; }

    public void Report(DiagnosticDescriptor descriptor, JsonNode node, params string[] arguments) =>
        Report(descriptor, Document.Span(node), arguments);

    public void ReportName(DiagnosticDescriptor descriptor, JsonMember member, params string[] arguments) =>
        Report(descriptor, Document.NameSpan(member), arguments);
}
