using System.Collections.Generic;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>One item of a layer list before repeat blocks are unrolled: a layer or a repeat block.</summary>
internal abstract class LayerListEntry
{
}

internal sealed class LayerEntry : LayerListEntry
{
    public LayerEntry(LayerSpec template)
    {
        Template = template;
    }

    public LayerSpec Template { get; }
}

internal sealed class RepeatEntry : LayerListEntry
{
    public RepeatEntry(JsonNode node, int count, List<(string Name, long Start)> vars, List<LayerListEntry> children)
    {
        Node = node;
        Count = count;
        Vars = vars;
        Children = children;
    }

    public JsonNode Node { get; }

    public int Count { get; }

    public List<(string Name, long Start)> Vars { get; }

    public List<LayerListEntry> Children { get; }
}
