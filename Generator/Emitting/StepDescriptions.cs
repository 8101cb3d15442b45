using System.Text;
using Xception.Compiler.Generator.Planning;
using static Xception.Compiler.Generator.Emitting.Literals;

namespace Xception.Compiler.Generator.Emitting;

/// <summary>The one-line explanation written above each fused step in the emitted code.</summary>
internal static class StepDescriptions
{
    public static string Describe(PlannedStep s)
    {
        var sb = new StringBuilder();
        sb.Append(s.Anchor).Append(": ");
        if (s.Fusion.ReluInputLayer is not null)
        {
            sb.Append("relu (").Append(s.Fusion.ReluInputLayer).Append(") → ");
        }

        if (s.Fusion.HasChannelPrologue)
        {
            sb.Append(ChannelPrologue(s)).Append(" in its A rows → ");
        }

        if (s.Fusion.ZeroPaddingLayer is not null)
        {
            sb.Append("zero padding (").Append(s.Fusion.ZeroPaddingLayer).Append(") folded → ");
        }

        switch (s.Kind)
        {
            case StepKind.Conv2D:
                sb.Append("conv ").Append(Window(s)).Append(' ').Append(Int(s.Input.Channels)).Append('→').Append(Int(s.Output.Channels));
                break;
            case StepKind.SeparableConv when s.Fusion.PointwiseLayer is not null:
                // A DepthwiseConv2D and the 1×1 Conv2D reading it, with what runs between them.
                sb.Append("depthwise ").Append(Window(s));
                if (s.Fusion.DepthwiseBatchNormLayer is not null)
                {
                    sb.Append(", BN ").Append(s.Fusion.DepthwiseBatchNormLayer).Append(" folded");
                }
                else if (s.Weights.DepthwiseBias is not null)
                {
                    sb.Append(", bias");
                }

                if (s.Fusion.DepthwiseRelu)
                {
                    sb.Append(!s.Fusion.HasDepthwiseReluMax ? ", ReLU" : s.Fusion.DepthwiseReluMax == 6 ? ", ReLU6"
                        : ", ReLU clamped to " + ((float)s.Fusion.DepthwiseReluMax).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                    sb.Append(s.Fusion.DepthwiseReluLayer is null ? string.Empty : " (" + s.Fusion.DepthwiseReluLayer + ")");
                }

                sb.Append(", per tile in cache → pointwise ").Append(s.Fusion.PointwiseLayer).Append(' ').Append(Int(s.Input.Channels)).Append('→').Append(Int(s.Output.Channels));
                break;
            case StepKind.SeparableConv:
                sb.Append("depthwise ").Append(Window(s)).Append(" → pointwise ").Append(Int(s.Input.Channels)).Append('→').Append(Int(s.Output.Channels));
                break;
            case StepKind.DepthwiseConv:
                sb.Append("depthwise ").Append(Window(s)).Append(", ").Append(Int(s.Input.Channels)).Append(" channels");
                break;
            case StepKind.MaxPool:
                sb.Append("max pool ").Append(Window(s));
                break;
            case StepKind.AveragePool:
                sb.Append("average pool ").Append(Window(s)).Append(s.Window.SamePadding ? ", 'same' pads not counted" : string.Empty);
                break;
            case StepKind.ZeroPad:
                sb.Append("zero padding (top ").Append(Int(s.Window.PadTop)).Append(" bottom ").Append(Int(s.Window.PadBottom))
                    .Append(", left ").Append(Int(s.Window.PadLeft)).Append(" right ").Append(Int(s.Window.PadRight)).Append(") as a padded copy");
                break;
            case StepKind.Elementwise:
                if (s.Weights.Preprocessing is { } preprocessing)
                {
                    sb.Append(PreprocessingEmitter.Describe(preprocessing));
                }
                else if (s.Fusion.BatchNormLayer is not null)
                {
                    sb.Append("BN ").Append(s.Fusion.BatchNormLayer).Append(" as scale/shift");
                    if (s.InputPixelStride != 0)
                    {
                        sb.Append(" on ").Append(s.SourceLayer).Append(", channels 0..").Append(Int(s.Input.Channels - 1))
                            .Append(" of its dense block's buffer (").Append(Int(s.InputPixelStride)).Append(" per pixel)");
                    }
                }
                else if (s.HasResidual)
                {
                    sb.Append(s.SourceLayer).Append(" + ").Append(s.Fusion.ResidualLayer);
                }
                else
                {
                    sb.Append("elementwise");
                }

                break;
            case StepKind.GlobalPool:
                sb.Append(s.IsMax ? "global max pool " : "global average pool ").Append(Size(s.Input)).Append(" → ").Append(s.Output.IsFlat ? Int(s.Output.Channels) : Size(s.Output) + " (keepdims)");
                return Finish(sb, s, withShapes: false);
            case StepKind.Dense:
                sb.Append("dense ").Append(Int(s.Input.Channels)).Append('→').Append(Int(s.Output.Channels));
                break;
            case StepKind.Activation:
                sb.Append(s.Function.Text).Append(s.InPlace ? " in place (epilogue of the step before)" : string.Empty);
                return Finish(sb, s, withShapes: !s.InPlace);
            case StepKind.ChannelSlice:
                sb.Append("copy ").Append(s.SourceLayer).Append(" into ").Append(SliceText(s));
                return sb.ToString();
            case StepKind.Multiply:
                sb.Append(s.SourceLayer).Append(" × ").Append(s.Fusion.ResidualLayer).Append(s.BroadcastFactor ? " (per channel, over every pixel)" : string.Empty);
                return Finish(sb, s, withShapes: true);
            case StepKind.Softmax:
                sb.Append("softmax over ").Append(Int(s.Output.Length)).Append(" (from ").Append(s.SourceLayer).Append(')');
                return sb.ToString();
        }

        if (s.Kind is StepKind.Conv2D or StepKind.SeparableConv or StepKind.DepthwiseConv or StepKind.Dense)
        {
            if (s.Fusion.BatchNormLayer is not null)
            {
                sb.Append(", BN ").Append(s.Fusion.BatchNormLayer).Append(" folded");
            }
            else if (s.Weights.Bias is not null)
            {
                sb.Append(", bias");
            }
        }

        if (s.HasResidual && !(s.Kind == StepKind.Elementwise && s.Fusion.BatchNormLayer is null))
        {
            sb.Append(", + ").Append(s.Fusion.ResidualLayer).Append(" residual (").Append(s.Fusion.AddLayer).Append(')');
        }
        else if (s.Kind == StepKind.Elementwise && s.Fusion.AddLayer is not null)
        {
            sb.Append(" (").Append(s.Fusion.AddLayer).Append(')');
        }

        if (s.Fusion.ReluOutput)
        {
            string relu = !s.Fusion.HasReluMax ? "ReLU" : s.Fusion.ReluMax == 6 ? "ReLU6 in the store" : "ReLU clamped to " + ((float)s.Fusion.ReluMax).ToString("R", System.Globalization.CultureInfo.InvariantCulture) + " in the store";
            sb.Append(s.Fusion.ReluOutputLayer is null ? ", " + relu : ", " + relu + " (" + s.Fusion.ReluOutputLayer + ")");
        }

        if (s.Fusion.SigmoidOutput)
        {
            sb.Append(", sigmoid");
        }

        if (!s.Fusion.StoreFunction.IsLinear)
        {
            sb.Append(", + ").Append(s.Fusion.StoreFunction.Text).Append(" in the store")
                .Append(s.Fusion.StoreFunctionLayer is null ? string.Empty : " (" + s.Fusion.StoreFunctionLayer + ")");
        }

        if (s.Kind == StepKind.Dense && !s.Function.IsLinear)
        {
            sb.Append(", ").Append(s.Function.Text);
        }

        if (s.Slice is not null)
        {
            sb.Append(", written into ").Append(SliceText(s));
        }

        return Finish(sb, s, withShapes: true);
    }

    /// <summary>"× block2a_se_expand per channel (block2a_se_excite)", "BN conv2_block1_0_bn as scale/shift, ReLU (conv2_block1_0_relu)".</summary>
    private static string ChannelPrologue(PlannedStep s)
    {
        var parts = new System.Collections.Generic.List<string>();
        if (s.Fusion.PrologueMultiplyLayer is not null)
        {
            parts.Add("× " + s.Fusion.PrologueFactorLayer + " per channel (" + s.Fusion.PrologueMultiplyLayer + ")");
        }

        if (s.Fusion.PrologueBatchNormLayer is not null)
        {
            parts.Add("BN " + s.Fusion.PrologueBatchNormLayer + " as scale/shift");
        }

        if (s.Fusion.PrologueReluLayer is not null)
        {
            parts.Add("ReLU (" + s.Fusion.PrologueReluLayer + ")");
        }

        string text = "prologue " + string.Join(", ", parts);
        return s.InputPixelStride == 0 ? text
            : text + " on " + s.SourceLayer + ", channels 0.." + Int(s.Input.Channels - 1) + " of its dense block's buffer (" + Int(s.InputPixelStride) + " per pixel),";
    }

    /// <summary>"channels 64..159 of mixed0 (35×35×256)".</summary>
    private static string SliceText(PlannedStep s) =>
        "channels " + Int(s.Slice!.Offset) + ".." + Int(s.Slice.Offset + s.Output.Channels - 1) + " of " + s.Slice.Layer + " (" + Size(s.Slice.Shape) + ")";

    private static string Finish(StringBuilder sb, PlannedStep s, bool withShapes)
    {
        if (withShapes)
        {
            sb.Append("; ").Append(Size(s.Input)).Append(" → ").Append(Size(s.Output));
        }

        if (s.OutputLayer != s.Anchor && s.Kind != StepKind.Softmax)
        {
            sb.Append(" = ").Append(s.OutputLayer);
        }

        return sb.ToString();
    }

    private static string Window(PlannedStep s)
    {
        var sb = new StringBuilder();
        sb.Append(ShapeFormat.Dims(s.Window.KernelHeight, s.Window.KernelWidth));
        if (s.Window.StrideHeight != 1 || s.Window.StrideWidth != 1)
        {
            sb.Append('/').Append(Int(s.Window.StrideHeight));
            if (s.Window.StrideWidth != s.Window.StrideHeight)
            {
                sb.Append('×').Append(Int(s.Window.StrideWidth));
            }
        }

        sb.Append(s.Window.SamePadding ? " same" : " valid");
        if (s.Window.PadTop + s.Window.PadBottom + s.Window.PadLeft + s.Window.PadRight > 0)
        {
            sb.Append(" (pad top ").Append(Int(s.Window.PadTop)).Append(" bottom ").Append(Int(s.Window.PadBottom))
                .Append(", left ").Append(Int(s.Window.PadLeft)).Append(" right ").Append(Int(s.Window.PadRight)).Append(')');
        }

        return sb.ToString();
    }

    private static string Size(TensorShape shape) =>
        shape.IsFlat ? shape.Text : ShapeFormat.Dims(shape.Height, shape.Width, shape.Channels);
}
