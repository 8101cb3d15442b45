using System.Collections.Generic;
using Xception.Compiler.Generator.Planning;
using static Xception.Compiler.Generator.Emitting.Literals;

namespace Xception.Compiler.Generator.Emitting;

/// <summary>
/// The weight binding of a generated class: one <c>WeightHandle</c> field per uploaded tensor, and the
/// constructor's uploads, which fold each BatchNormalization into the kernel and bias before it.
/// </summary>
internal static class WeightBindingEmitter
{
    private const string Execution = ModelEmitter.Execution;
    private const string Folding = ModelEmitter.Weights + ".WeightFolding";

    public static void WriteFields(SourceWriter w, ExecutionPlan plan)
    {
        w.WriteLine("// Weights uploaded to the backend (BatchNormalization folded in), by step.");
        foreach (PlannedStep step in plan.Steps)
        {
            List<string> handles = Handles(step);
            if (handles.Count > 0)
            {
                w.WriteLine("private readonly " + Execution + ".WeightHandle " + string.Join(", ", handles) + ";");
            }
        }

        w.WriteLine();
    }

    public static void WriteUploads(SourceWriter w, ExecutionPlan plan)
    {
        bool first = true;
        foreach (PlannedStep step in plan.Steps)
        {
            if (Handles(step).Count > 0)
            {
                if (!first)
                {
                    w.WriteLine();
                }

                first = false;
                WriteUpload(w, step);
            }
        }
    }

    private static void WriteUpload(SourceWriter w, PlannedStep s)
    {
        string n = Int(s.Number);
        string bnArgs = s.BatchNormWeights >= 0
            ? W(s.BatchNormWeights, 0) + ", " + W(s.BatchNormWeights, 1) + ", " + W(s.BatchNormWeights, 2) + ", " + W(s.BatchNormWeights, 3) + ", " + Float(s.Epsilon)
            : string.Empty;
        switch (s.Kind)
        {
            case StepKind.Conv2D:
            case StepKind.DepthwiseConv:
            case StepKind.Dense:
            case StepKind.SeparableConv:
            {
                bool separable = s.Kind == StepKind.SeparableConv;
                int channels = s.Kind == StepKind.DepthwiseConv ? s.Input.Channels : s.Output.Channels;
                string kernel = W(s.WeightLayer, separable ? 1 : 0);
                string? bias = s.UseBias ? W(s.WeightLayer, separable ? 2 : 1) : null;
                string kernelField = separable ? GeneratedMembers.PointwiseField + n : GeneratedMembers.KernelField + n;
                w.WriteLine("// [" + n + "] " + Comment(s.Anchor) + ": " + (separable ? "depthwise kernel as is; pointwise kernel" : "kernel")
                    + (s.BatchNormLayer is not null ? " and bias with BN " + Comment(s.BatchNormLayer) + " folded" : s.UseBias ? " and bias" : " and a zero bias") + ".");
                // GEMM kernels are handed over as matrices (taken from the loaded weights, folded in place), so the
                // backend can pack them at once and no second copy of the weights lives through the load.
                string kernelRows = Int(s.Kind == StepKind.Conv2D ? s.KernelHeight * s.KernelWidth * s.Input.Channels : s.Input.Channels);
                string upload = s.Kind == StepKind.DepthwiseConv
                    ? "backend.Upload(kernel)"
                    : "backend.UploadMatrix(kernel, " + kernelRows + ", " + Int(s.Output.Channels) + ")";
                string take = "weights.Take(" + Int(s.WeightLayer) + ", " + Int(separable ? 1 : 0) + ")";
                using (w.Scope())
                {
                    if (separable)
                    {
                        w.WriteLine(GeneratedMembers.DepthwiseField + n + " = backend.Upload(" + W(s.WeightLayer, 0) + ");");
                    }

                    w.WriteLine("float[] kernel = " + take + ";");
                    if (s.BatchNormLayer is not null)
                    {
                        w.WriteLine("float[] bias = " + Folding + ".FoldBatchNormInPlace(kernel, " + Int(channels) + ", " + (bias ?? "null") + ", " + bnArgs + ");");
                        w.WriteLine(kernelField + " = " + upload + ";");
                        w.WriteLine(GeneratedMembers.BiasField + n + " = backend.Upload(bias);");
                    }
                    else
                    {
                        w.WriteLine(kernelField + " = " + upload + ";");
                        w.WriteLine(GeneratedMembers.BiasField + n + " = backend.Upload(" + (bias ?? "new float[" + Int(channels) + "]") + ");");
                    }
                }

                break;
            }

            case StepKind.Elementwise when s.BatchNormWeights >= 0:
                w.WriteLine("// [" + n + "] " + Comment(s.Anchor) + ": BN " + Comment(s.BatchNormLayer ?? s.Anchor) + " as a per-channel scale and shift.");
                using (w.Scope())
                {
                    w.WriteLine("var (scale, shift) = " + Folding + ".BatchNormScaleShift(" + bnArgs + ");");
                    w.WriteLine(GeneratedMembers.ScaleField + n + " = backend.Upload(scale);");
                    w.WriteLine(GeneratedMembers.ShiftField + n + " = backend.Upload(shift);");
                }

                break;
        }
    }

    private static string W(int layer, int dataset) => "weights[" + Int(layer) + ", " + Int(dataset) + "]";

    private static List<string> Handles(PlannedStep s)
    {
        string n = Int(s.Number);
        return s.Kind switch
        {
            StepKind.Conv2D or StepKind.DepthwiseConv or StepKind.Dense => new List<string> { GeneratedMembers.KernelField + n, GeneratedMembers.BiasField + n },
            StepKind.SeparableConv => new List<string> { GeneratedMembers.DepthwiseField + n, GeneratedMembers.PointwiseField + n, GeneratedMembers.BiasField + n },
            StepKind.Elementwise when s.BatchNormWeights >= 0 => new List<string> { GeneratedMembers.ScaleField + n, GeneratedMembers.ShiftField + n },
            _ => new List<string>(),
        };
    }
}
