using System;
using System.Collections.Generic;
using Xception.Compiler.Generator.Planning;

namespace Xception.Compiler.Generator.Emitting;

/// <summary>
/// The names of the members a generated class has: those <see cref="ModelEmitter"/> writes (it takes them from
/// here), those it inherits from the runtime's <c>CompiledModel</c> and <c>object</c>, and the per-step names
/// (weight handle fields, step shape structs). A model named like one of them would not compile (CS0542), so
/// the parser rejects those names; <c>GeneratedMembersTests</c> reflects over a compiled class so this list
/// cannot drift from what is emitted.
/// </summary>
internal static class GeneratedMembers
{
    public const string InputHeight = nameof(InputHeight);
    public const string InputWidth = nameof(InputWidth);
    public const string InputChannels = nameof(InputChannels);
    public const string InputLength = nameof(InputLength);
    public const string OutputLength = nameof(OutputLength);
    public const string OutputShape = nameof(OutputShape);
    public const string ArenaBytesPerImage = nameof(ArenaBytesPerImage);
    public const string WeightsUrl = nameof(WeightsUrl);
    public const string WeightsMd5 = nameof(WeightsMd5);
    public const string InputSlot = nameof(InputSlot);
    public const string OutputSlot = nameof(OutputSlot);
    public const string WeightTable = nameof(WeightTable);
    public const string Info = nameof(Info);
    public const string Load = nameof(Load);
    public const string RunSteps = nameof(RunSteps);

    /// <summary>Emitted only for a description that declares <c>labels</c> (with <see cref="TopK"/>), reserved for all.</summary>
    public const string Labels = nameof(Labels);
    public const string TopK = nameof(TopK);

    /// <summary>Emitted only for a description that declares <c>preprocessing</c>, reserved for all.</summary>
    public const string Preprocessing = nameof(Preprocessing);

    /// <summary>The runtime base's protected field the steps call (<c>CompiledModel.Backend</c>).</summary>
    public const string Backend = nameof(Backend);

    /// <summary>The runtime base's protected method that hands a step's output to a <c>Trace</c> observer.</summary>
    public const string Observe = nameof(Observe);

    private const string StepShapePrefix = "Step";
    private const string StepShapeSuffix = "Shape";

    // The weight handle fields the planner names: a prefix and the step number (_pw12).
    private static readonly string[] s_fieldPrefixes =
    {
        StepWeights.KernelPrefix, StepWeights.BiasPrefix, StepWeights.DepthwisePrefix, StepWeights.PointwisePrefix, StepWeights.ScalePrefix, StepWeights.ShiftPrefix,
    };

    private static readonly HashSet<string> s_names = new(StringComparer.Ordinal)
    {
        // Written by the emitter.
        InputHeight, InputWidth, InputChannels, InputLength, OutputLength, OutputShape, ArenaBytesPerImage,
        WeightsUrl, WeightsMd5, InputSlot, OutputSlot, WeightTable, Load, RunSteps, Labels, TopK,
        Preprocessing, Info,

        // Inherited from CompiledModel (public and protected) and from object.
        Backend, Observe, "BackendName", "Predict", "Trace", "Dispose",
        "Equals", "GetHashCode", "GetType", "ToString", "MemberwiseClone", "Finalize", "ReferenceEquals",

        // Namespace roots the generated file refers to, reserved since the first version.
        "System", "Xception_Compiler",
    };

    /// <summary>The struct holding the JIT-time shape of a convolution step: <c>Step12Shape</c>.</summary>
    public static string StepShape(int step) => StepShapePrefix + Literals.Int(step) + StepShapeSuffix;

    /// <summary>True when the generated class has, inherits or may have (per step) a member named <paramref name="name"/>.</summary>
    public static bool IsReserved(string name)
    {
        if (s_names.Contains(name))
        {
            return true;
        }

        if (name.StartsWith(StepShapePrefix, StringComparison.Ordinal) && name.EndsWith(StepShapeSuffix, StringComparison.Ordinal)
            && IsNumber(name, StepShapePrefix.Length, name.Length - StepShapeSuffix.Length))
        {
            return true;
        }

        foreach (string prefix in s_fieldPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal) && IsNumber(name, prefix.Length, name.Length))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNumber(string text, int start, int end)
    {
        if (end <= start)
        {
            return false;
        }

        for (int i = start; i < end; i++)
        {
            if (text[i] is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
