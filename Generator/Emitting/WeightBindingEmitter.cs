using System.Collections.Generic;
using Xception.Compiler.Generator.Planning;
using static Xception.Compiler.Generator.Emitting.Literals;

namespace Xception.Compiler.Generator.Emitting;

/// <summary>
/// The weight binding of a generated class: one <c>WeightHandle</c> field per uploaded tensor, and the
/// constructor's uploads, which fold each BatchNormalization into the kernel and bias before it. Which
/// datasets and which fields is the plan's (<see cref="StepWeights"/>); this only writes them out.
/// </summary>
internal static class WeightBindingEmitter
{
    private const string CompilerServices = ModelEmitter.CompilerServices;
    private const string Folding = ModelEmitter.CompilerServices + ".WeightFolding";

    public static void WriteFields(SourceWriter w, ExecutionPlan plan)
    {
        w.WriteLine("// Weights uploaded to the backend (BatchNormalization folded in), by step.");
        foreach (PlannedStep step in plan.Steps)
        {
            List<string> fields = step.Weights.Fields;
            if (fields.Count > 0)
            {
                w.WriteLine("private readonly " + CompilerServices + ".WeightHandle " + string.Join(", ", fields) + ";");
            }
        }

        w.WriteLine();
    }

    /// <summary>The constructor body after its opening comment: one block per step with weights, each after a blank line.</summary>
    public static void WriteUploads(SourceWriter w, ExecutionPlan plan)
    {
        foreach (PlannedStep step in plan.Steps)
        {
            if (step.Weights.Fields.Count == 0)
            {
                continue;
            }

            w.WriteLine();
            if (step.Weights.Kernel is { } kernel)
            {
                WriteKernelUpload(w, step, kernel);
                if (step.Weights.PrologueBatchNorm >= 0)
                {
                    WritePrologueUpload(w, step);
                }
            }
            else if (step.Weights.Preprocessing is { } preprocessing)
            {
                PreprocessingEmitter.WriteUpload(w, step, preprocessing);
            }
            else
            {
                WriteScaleShiftUpload(w, step);
            }
        }
    }

    private static void WriteKernelUpload(SourceWriter w, PlannedStep s, WeightRef kernel)
    {
        StepWeights weights = s.Weights;
        string? batchNorm = s.Fusion.BatchNormLayer;
        bool separable = weights.Depthwise is not null;
        int channels = s.Kind == StepKind.DepthwiseConv ? s.Input.Channels : s.Output.Channels;
        string depthwiseText = !separable ? "kernel"
            : s.Fusion.DepthwiseBatchNormLayer is { } depthwiseBn ? "depthwise kernel and bias with BN " + Comment(depthwiseBn) + " folded; " + Comment(s.Fusion.PointwiseLayer ?? "pointwise") + " kernel"
            : weights.DepthwiseBias is not null ? "depthwise kernel and bias; " + Comment(s.Fusion.PointwiseLayer ?? "pointwise") + " kernel"
            : "depthwise kernel as is; pointwise kernel";
        w.WriteLine("// [" + Int(s.Number) + "] " + Comment(s.Anchor) + ": " + depthwiseText
            + (batchNorm is not null ? " and bias with BN " + Comment(batchNorm) + " folded" : weights.Bias is not null ? " and bias" : " and a zero bias") + ".");

        // GEMM kernels are handed over as matrices (taken from the loaded weights, folded in place), so the
        // backend can pack them at once and no second copy of the weights lives through the load.
        string kernelRows = Int(s.Kind == StepKind.Conv2D ? s.Window.KernelHeight * s.Window.KernelWidth * s.Input.Channels : s.Input.Channels);
        string upload = s.Kind == StepKind.DepthwiseConv
            ? "backend.Upload(kernel)"
            : "backend.UploadMatrix(kernel, " + kernelRows + ", " + Int(s.Output.Channels) + ")";
        string? bias = weights.Bias is { } b ? Dataset(b) : null;
        using (w.Scope())
        {
            if (weights.Depthwise is { } depthwise && weights.DepthwiseBatchNorm >= 0)
            {
                string depthwiseBias = weights.DepthwiseBias is { } db ? Dataset(db) : "null";
                w.WriteLine("float[] depthwise = weights.Take(" + Int(depthwise.Layer) + ", " + Int(depthwise.Dataset) + ");");
                w.WriteLine("float[] depthwiseBias = " + Folding + ".FoldBatchNormInPlace(depthwise, " + Int(s.Input.Channels) + ", " + depthwiseBias + ", "
                    + DepthwiseBatchNormArguments(s) + ");");
                w.WriteLine(weights.DepthwiseField + " = backend.Upload(" + Folding + ".KernelThenBias(depthwise, depthwiseBias));");
            }
            else if (weights.Depthwise is { } depthwiseWithBias && weights.DepthwiseBias is { } ownBias)
            {
                w.WriteLine(weights.DepthwiseField + " = backend.Upload(" + Folding + ".KernelThenBias(" + Dataset(depthwiseWithBias) + ", " + Dataset(ownBias) + "));");
            }
            else if (weights.Depthwise is { } depthwiseAsIs)
            {
                w.WriteLine(weights.DepthwiseField + " = backend.Upload(" + Dataset(depthwiseAsIs) + ");");
            }

            w.WriteLine("float[] kernel = weights.Take(" + Int(kernel.Layer) + ", " + Int(kernel.Dataset) + ");");
            if (batchNorm is not null)
            {
                w.WriteLine("float[] bias = " + Folding + ".FoldBatchNormInPlace(kernel, " + Int(channels) + ", " + (bias ?? "null") + ", " + BatchNormArguments(s) + ");");
                w.WriteLine(weights.KernelField + " = " + upload + ";");
                w.WriteLine(weights.BiasField + " = backend.Upload(bias);");
            }
            else
            {
                w.WriteLine(weights.KernelField + " = " + upload + ";");
                w.WriteLine(weights.BiasField + " = backend.Upload(" + (bias ?? "new float[" + Int(channels) + "]") + ");");
            }
        }
    }

    private static void WriteScaleShiftUpload(SourceWriter w, PlannedStep s)
    {
        w.WriteLine("// [" + Int(s.Number) + "] " + Comment(s.Anchor) + ": BN " + Comment(s.Fusion.BatchNormLayer ?? s.Anchor) + " as a per-channel scale and shift.");
        using (w.Scope())
        {
            w.WriteLine("var (scale, shift) = " + Folding + ".BatchNormScaleShift(" + BatchNormArguments(s) + ");");
            w.WriteLine(s.Weights.ScaleField + " = backend.Upload(scale);");
            w.WriteLine(s.Weights.ShiftField + " = backend.Upload(shift);");
        }
    }

    private static void WritePrologueUpload(SourceWriter w, PlannedStep s)
    {
        StepWeights weights = s.Weights;
        string channels = Int(s.Input.Channels);
        w.WriteLine("// [" + Int(s.Number) + "] " + Comment(s.Anchor) + ": its prologue's BN " + Comment(s.Fusion.PrologueBatchNormLayer!) + " as a per-channel scale and shift.");
        string gamma = weights.PrologueBatchNormDataset(0) is { } g ? Dataset(g) : Folding + ".UnitScale(" + channels + ")";
        string beta = weights.PrologueBatchNormDataset(1) is { } b ? Dataset(b) : "new float[" + channels + "]";
        using (w.Scope())
        {
            w.WriteLine("var (scale, shift) = " + Folding + ".BatchNormScaleShift(" + gamma + ", " + beta + ", " + Dataset(weights.PrologueBatchNormDataset(2)!.Value)
                + ", " + Dataset(weights.PrologueBatchNormDataset(3)!.Value) + ", " + Float(s.Fusion.PrologueEpsilon) + ");");
            w.WriteLine(weights.ScaleField + " = backend.Upload(scale);");
            w.WriteLine(weights.ShiftField + " = backend.Upload(shift);");
        }
    }

    /// <summary>gamma, beta, moving mean, moving variance and epsilon of the step's BatchNormalization.</summary>
    private static string BatchNormArguments(PlannedStep s)
    {
        StepWeights weights = s.Weights;
        string channels = Int(s.Output.Channels);

        // A BatchNormalization without gamma (scale=False) scales by 1; without beta (center=False) shifts by 0.
        string gamma = weights.BatchNormDataset(0) is { } g ? Dataset(g) : Folding + ".UnitScale(" + channels + ")";
        string beta = weights.BatchNormDataset(1) is { } b ? Dataset(b) : "new float[" + channels + "]";
        return gamma + ", " + beta + ", " + Dataset(weights.BatchNormDataset(2)!.Value) + ", " + Dataset(weights.BatchNormDataset(3)!.Value) + ", " + Float(s.Fusion.Epsilon);
    }

    /// <summary>The same for the BatchNormalization folded into a fused separable step's depthwise kernel (its input's channels).</summary>
    private static string DepthwiseBatchNormArguments(PlannedStep s)
    {
        StepWeights weights = s.Weights;
        string channels = Int(s.Input.Channels);
        string gamma = weights.DepthwiseBatchNormDataset(0) is { } g ? Dataset(g) : Folding + ".UnitScale(" + channels + ")";
        string beta = weights.DepthwiseBatchNormDataset(1) is { } b ? Dataset(b) : "new float[" + channels + "]";
        return gamma + ", " + beta + ", " + Dataset(weights.DepthwiseBatchNormDataset(2)!.Value) + ", " + Dataset(weights.DepthwiseBatchNormDataset(3)!.Value)
            + ", " + Float(s.Fusion.DepthwiseEpsilon);
    }

    private static string Dataset(WeightRef d) => "weights[" + Int(d.Layer) + ", " + Int(d.Dataset) + "]";
}
