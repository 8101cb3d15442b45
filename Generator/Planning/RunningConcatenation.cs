using System.Collections.Generic;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>
/// DenseNet's running concatenation (x = Concatenate([x, y]) at every layer of a dense block), found so that a block
/// is planned as one buffer of its final width instead of a copy per layer (O(n²) memory traffic). A tensor P is a
/// prefix of the concatenation C when P is C's first input, C is P's only concatenation, and P's other readers are
/// BatchNormalizations, which plan as elementwise steps that can read the first channels of a wider pixel. Following
/// those links from a block's input ends at the block's last concatenation, the root, whose tensor every member
/// shares: the input writes channels [0, C0), each new layer its slice, each reader a prefix.
/// Concatenations read by anything else (InceptionV3's branches, read only by their concatenation) are not linked.
/// </summary>
internal sealed class RunningConcatenation
{
    private readonly int[] _link;
    private readonly int[] _root;

    private RunningConcatenation(int[] link, int[] root)
    {
        _link = link;
        _root = root;
    }

    public static RunningConcatenation Find(ModelGraph graph)
    {
        int n = graph.Layers.Length;
        int[] link = new int[n];
        for (int layer = 0; layer < n; layer++)
        {
            link[layer] = PrefixLink(graph, layer);
        }

        int[] root = new int[n];
        for (int layer = 0; layer < n; layer++)
        {
            root[layer] = -1;
        }

        for (int layer = 0; layer < n; layer++)
        {
            if (link[layer] < 0)
            {
                continue;
            }

            int end = link[layer];
            while (link[end] >= 0)
            {
                end = link[end];
            }

            root[layer] = end;
            root[end] = end;
        }

        return new RunningConcatenation(link, root);
    }

    /// <summary>The concatenation whose first channels the layer's output is, or -1.</summary>
    public int PrefixOf(int layer) => _link[layer];

    /// <summary>The last concatenation of the chain the layer belongs to (whose tensor is the shared buffer), or -1.</summary>
    public int RootOf(int layer) => _root[layer];

    /// <summary>The members of the chain ending at <paramref name="root"/>, from the block's input to the root.</summary>
    public List<int> Members(int root)
    {
        var members = new List<int>();
        for (int layer = 0; layer < _root.Length; layer++)
        {
            if (_root[layer] == root)
            {
                members.Add(layer);
            }
        }

        return members;
    }

    private static int PrefixLink(ModelGraph graph, int layer)
    {
        int concat = -1;
        bool otherReaders = false;
        foreach (int consumer in graph.Consumers[layer])
        {
            LayerSpec c = graph.Layers[consumer];
            if (c.Op == LayerOp.Concatenate)
            {
                if (concat >= 0)
                {
                    return -1; // read twice by a concatenation, or by two
                }

                concat = consumer;
            }
            else if (c.Op == LayerOp.BatchNorm && graph.Inputs[consumer][0] == layer)
            {
                otherReaders = true;
            }
            else
            {
                return -1;
            }
        }

        if (concat < 0 || !otherReaders || graph.Inputs[concat][0] != layer)
        {
            return -1;
        }

        int[] inputs = graph.Inputs[concat];
        for (int i = 1; i < inputs.Length; i++)
        {
            if (inputs[i] == layer)
            {
                return -1;
            }
        }

        return concat;
    }
}
