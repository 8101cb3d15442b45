using System;
using System.Collections.Generic;
using System.Globalization;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>
/// The description as a checked DAG: inputs resolved to indices, consumers known, one input layer,
/// one output, and the layers in Keras 2.0.8's <c>Container</c> order (which decides weight loading).
/// </summary>
internal sealed class ModelGraph
{
    private ModelGraph(LayerSpec[] layers, int[][] inputs, List<int>[] consumers, int input, int output, int[] kerasOrder)
    {
        Layers = layers;
        Inputs = inputs;
        Consumers = consumers;
        Input = input;
        Output = output;
        KerasOrder = kerasOrder;
    }

    public LayerSpec[] Layers { get; }

    /// <summary>Inbound layer indices per layer, in the order the description names them.</summary>
    public int[][] Inputs { get; }

    /// <summary>Consuming layer per inbound edge (a layer reading a tensor twice appears twice).</summary>
    public List<int>[] Consumers { get; }

    public int Input { get; }

    public int Output { get; }

    /// <summary>Layer indices in Keras order: decreasing depth, ties by first DFS visit from the output.</summary>
    public int[] KerasOrder { get; }

    public static ModelGraph? Build(ModelSpec spec, DiagnosticBag sink)
    {
        LayerSpec[] layers = new LayerSpec[spec.Layers.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = spec.Layers[i];
        }

        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Length; i++)
        {
            if (byName.TryGetValue(layers[i].Name, out int first))
            {
                sink.Report(DiagnosticDescriptors.DuplicateLayerName, layers[i].Spans.Name, layers[i].Name,
                    (layers[first].Spans.Name.StartLine + 1).ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                byName.Add(layers[i].Name, i);
            }
        }

        int[][] inputs = new int[layers.Length][];
        var consumers = new List<int>[layers.Length];
        for (int i = 0; i < layers.Length; i++)
        {
            consumers[i] = new List<int>();
        }

        for (int i = 0; i < layers.Length; i++)
        {
            LayerSpec layer = layers[i];
            inputs[i] = new int[layer.Inputs.Count];
            for (int j = 0; j < layer.Inputs.Count; j++)
            {
                if (byName.TryGetValue(layer.Inputs[j], out int source))
                {
                    inputs[i][j] = source;
                }
                else
                {
                    SourceSpan span = j < layer.Spans.Inputs.Count ? layer.Spans.Inputs[j] : layer.Spans.Name;
                    sink.Report(DiagnosticDescriptors.UnknownLayerReference, span, layer.Name, layer.Inputs[j]);
                    inputs[i][j] = -1;
                }
            }
        }

        if (sink.HasErrors)
        {
            return null;
        }

        for (int i = 0; i < layers.Length; i++)
        {
            foreach (int source in inputs[i])
            {
                consumers[source].Add(i);
            }
        }

        var inputLayers = new List<int>();
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i].Op == LayerOp.Input)
            {
                inputLayers.Add(i);
            }
        }

        if (inputLayers.Count != 1)
        {
            SourceSpan where = inputLayers.Count > 1 ? layers[inputLayers[1]].Spans.Name : spec.NameSpan;
            sink.Report(DiagnosticDescriptors.InputLayerCount, where, inputLayers.Count.ToString(CultureInfo.InvariantCulture));
            return null;
        }

        if (FindCycle(layers, inputs, sink))
        {
            return null;
        }

        var sinks = new List<int>();
        for (int i = 0; i < layers.Length; i++)
        {
            if (consumers[i].Count == 0)
            {
                sinks.Add(i);
            }
        }

        if (sinks.Count != 1)
        {
            var names = new List<string>();
            foreach (int s in sinks)
            {
                if (names.Count == 5)
                {
                    names.Add("…");
                    break;
                }

                names.Add("'" + layers[s].Name + "'");
            }

            SourceSpan where = sinks.Count > 1 ? layers[sinks[sinks.Count - 1]].Spans.Name : spec.NameSpan;
            sink.Report(DiagnosticDescriptors.OutputCount, where, sinks.Count.ToString(CultureInfo.InvariantCulture), sinks.Count == 0 ? "none" : string.Join(", ", names));
            return null;
        }

        int[] order = KerasLayerOrder(inputs, sinks[0]);
        return new ModelGraph(layers, inputs, consumers, inputLayers[0], sinks[0], order);
    }

    /// <summary>
    /// Keras 2.0.8 <c>Container.__init__</c>: DFS from the output visiting inbound layers in order
    /// (recording first-visit indices), depth = longest distance to the output, layers sorted by
    /// decreasing depth with ties broken by first-visit index. Iterative, so deep graphs cannot
    /// overflow the stack. Layers that do not reach the output are left out.
    /// </summary>
    public static int[] KerasLayerOrder(int[][] inputs, int output)
    {
        int n = inputs.Length;
        int[] visitIndex = new int[n];
        for (int i = 0; i < n; i++)
        {
            visitIndex[i] = -1;
        }

        bool[] finished = new bool[n];
        var postOrder = new List<int>();
        var stack = new List<(int Node, int Next)>();
        int nextIndex = 0;
        visitIndex[output] = nextIndex++;
        stack.Add((output, 0));
        while (stack.Count > 0)
        {
            (int node, int next) = stack[stack.Count - 1];
            if (next < inputs[node].Length)
            {
                stack[stack.Count - 1] = (node, next + 1);
                int child = inputs[node][next];
                if (finished[child] || visitIndex[child] >= 0 && !finished[child] && IsOnStack(stack, child))
                {
                    continue;
                }

                if (visitIndex[child] < 0)
                {
                    visitIndex[child] = nextIndex++;
                }

                stack.Add((child, 0));
            }
            else
            {
                stack.RemoveAt(stack.Count - 1);
                finished[node] = true;
                postOrder.Add(node);
            }
        }

        int[] depth = new int[n];
        for (int k = postOrder.Count - 1; k >= 0; k--)
        {
            int node = postOrder[k];
            int d = depth[node];
            foreach (int inbound in inputs[node])
            {
                if (depth[inbound] < d + 1)
                {
                    depth[inbound] = d + 1;
                }
            }
        }

        var order = new List<int>(postOrder);
        order.Sort((a, b) => depth[a] != depth[b] ? depth[b].CompareTo(depth[a]) : visitIndex[a].CompareTo(visitIndex[b]));
        return order.ToArray();
    }

    private static bool IsOnStack(List<(int Node, int Next)> stack, int node)
    {
        foreach ((int n, _) in stack)
        {
            if (n == node)
            {
                return true;
            }
        }

        return false;
    }

    private static bool FindCycle(LayerSpec[] layers, int[][] inputs, DiagnosticBag sink)
    {
        int n = layers.Length;
        byte[] state = new byte[n]; // 0 new, 1 on the DFS path, 2 done
        var path = new List<(int Node, int Next)>();
        for (int root = 0; root < n; root++)
        {
            if (state[root] != 0)
            {
                continue;
            }

            state[root] = 1;
            path.Add((root, 0));
            while (path.Count > 0)
            {
                (int node, int next) = path[path.Count - 1];
                if (next < inputs[node].Length)
                {
                    path[path.Count - 1] = (node, next + 1);
                    int child = inputs[node][next];
                    if (state[child] == 1)
                    {
                        var names = new List<string>();
                        int startAt = path.FindIndex(p => p.Node == child);
                        for (int k = path.Count - 1; k >= startAt; k--)
                        {
                            names.Add(layers[path[k].Node].Name);
                        }

                        names.Add(layers[node].Name);
                        sink.Report(DiagnosticDescriptors.GraphCycle, layers[node].Spans.Name, layers[node].Name,
                            string.Join(" ← ", names));
                        return true;
                    }

                    if (state[child] == 0)
                    {
                        state[child] = 1;
                        path.Add((child, 0));
                    }
                }
                else
                {
                    state[node] = 2;
                    path.RemoveAt(path.Count - 1);
                }
            }
        }

        return false;
    }
}
