using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.EndToEnd;

/// <summary>
/// Every fused step's output against the fixtures' per-layer dump (mini_layers_item0.npz: each Keras
/// layer's output for item 0 of the 71×71 input, from the independent float64 reference). A fused step
/// is compared with the Keras layer it ends with; layers folded into a step (a convolution before its BN,
/// a ReLU computed as a prologue) have no tensor of their own and are covered through the step.
/// </summary>
public sealed class LayerDumpTests(ITestOutputHelper output)
{
    private const double RelativeTolerance = 1e-4;

    public static TheoryData<Backend> Backends => new() { Backend.Cpu, Backend.IlgpuCpu };

    [Theory]
    [MemberData(nameof(Backends))]
    public void EveryStep_Mini71Item0_MatchesReferenceLayerWithin1e4Relative(Backend backend)
    {
        IReadOnlyDictionary<string, NpyArray> reference = NpzFile.Read(TestPaths.Fixture("mini_layers_item0.npz"));
        float[] batch = NpyFile.Read(TestPaths.Fixture("mini_input_71x71_seed2.npy")).Data;
        float[] image = batch.AsSpan(0, MiniXception71.InputLength).ToArray();

        var failures = new List<string>();
        var compared = new List<string>();
        using var model = MiniXception71.Load(TestPaths.Fixture("mini_xception_w0125_top10.h5"), new InferenceOptions { Backend = backend, MaxBatch = 1 });
        model.Trace(image, (step, layer, shape, values) =>
        {
            string key = layer == "predictions (logits)" ? "predictions__logits" : layer;
            if (!reference.TryGetValue(key, out NpyArray? expected))
            {
                failures.Add($"step {step}: no reference tensor for layer '{layer}'");
                return;
            }

            int[] actualShape = shape.ToArray();
            int[] expectedShape = expected.Shape.Length == actualShape.Length + 1 && expected.Shape[0] == 1 ? expected.Shape[1..] : expected.Shape;
            if (!expectedShape.SequenceEqual(actualShape))
            {
                failures.Add($"step {step} '{layer}': shape ({string.Join(", ", actualShape)}), reference ({string.Join(", ", expected.Shape)})");
                return;
            }

            double scale = expected.Data.Max(v => Math.Abs((double)v));
            double worst = 0;
            for (int i = 0; i < values.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(values[i] - (double)expected.Data[i]));
            }

            double relative = worst / Math.Max(scale, 1e-30);
            compared.Add(layer);
            output.WriteLine(FormattableString.Invariant($"step {step,2} {layer,-28} max |ref| {scale,10:G4} relative error {relative:E2}"));
            if (!(relative <= RelativeTolerance))
            {
                failures.Add(FormattableString.Invariant($"step {step} '{layer}': relative error {relative:E3} > {RelativeTolerance:E0}"));
            }
        });

        Assert.Empty(failures);
        // 47 fused steps: each must have been compared (the stem, 34 separable convs, pools, head).
        Assert.Equal(47, compared.Count);
    }
}
