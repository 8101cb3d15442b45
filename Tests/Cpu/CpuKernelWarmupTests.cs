using System;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Runtime.Cpu.Jobs;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Tests.Kernels;

namespace Xception.Compiler.Tests.Cpu;

/// <summary>
/// The compilation a Cpu load starts on another core (<see cref="CpuKernelWarmup"/>): it finds the step types a
/// generated class declares, and the code it compiles ahead computes what the float64 reference does.
/// </summary>
public sealed class CpuKernelWarmupTests
{
    /// <summary>Stands for a generated class: two step types and a nested struct that is not a step.</summary>
    private sealed class ModelLike
    {
        public readonly struct Separable : ISeparableConvStep
        {
            public static SeparableConvShape Shape
            {
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                get => new(InHeight: 7, InWidth: 6, InChannels: 37, OutHeight: 7, OutWidth: 6, OutChannels: 35, KernelHeight: 3, KernelWidth: 3,
                    StrideHeight: 1, StrideWidth: 1, PadTop: 1, PadLeft: 1, ReluInput: 1, ReluOutput: 1, HasResidual: 0);
            }
        }

        private readonly struct Shortcut : IConv2DStep
        {
            public static Conv2DShape Shape => new(InHeight: 7, InWidth: 6, InChannels: 37, OutHeight: 4, OutWidth: 3, OutChannels: 35, KernelHeight: 1, KernelWidth: 1,
                StrideHeight: 2, StrideWidth: 2, PadTop: 0, PadLeft: 0, ReluInput: 0, ReluOutput: 0, HasResidual: 0);
        }

        private readonly struct NotAStep
        {
        }
    }

    [Fact]
    public void Prepare_ModelLikeType_FindsItsTwoStepTypes()
    {
        Assert.Equal(2, CpuKernelWarmup.Prepare(typeof(ModelLike)));
    }

    [Fact]
    public void Prepare_ThenStep_MatchesFloat64()
    {
        CpuKernelWarmup.Prepare(typeof(ModelLike));
        SeparableConvShape s = ModelLike.Separable.Shape;
        float[] x = KernelTestData.RandomFloats(s.InHeight * s.InWidth * s.InChannels, 21);
        float[] dw = KernelTestData.RandomFloats(9 * s.InChannels, 22);
        float[] pw = KernelTestData.RandomFloats(s.InChannels * s.OutChannels, 23);
        float[] bias = KernelTestData.RandomFloats(s.OutChannels, 24);
        int outPerImage = s.OutHeight * s.OutWidth * s.OutChannels;

        float[] y = CpuStepTests.RunStep(CpuIsas.Best, 2, 1, x, outPerImage, null, (b, src, dst, res) =>
            b.SeparableConv<ModelLike.Separable>(1, src, dst, res, b.Upload(dw), b.UploadMatrix((float[])pw.Clone(), s.InChannels, s.OutChannels), b.Upload(bias)));

        KernelTestData.AssertClose(NaiveReference.SeparableConv(s, 1, x, dw, pw, bias, null), y, "warmed up");
    }

    /// <summary>Stands for a generated class's step sequence: one max-pool and one separable step, nothing else.</summary>
    private sealed class StepsLike
    {
        private readonly ExecutionBackend backend = new CpuBackend(1);

        private void RunSteps(int batch, StepObserver? observer)
        {
            backend.MaxPool(new MaxPoolShape(InHeight: 4, InWidth: 4, Channels: 8, OutHeight: 2, OutWidth: 2, PoolHeight: 2, PoolWidth: 2, StrideHeight: 2, StrideWidth: 2,
                PadTop: 0, PadLeft: 0, ReluInput: 0, ReluOutput: 0, HasResidual: 0), batch, source: 0, destination: 1, residual: -1);
            backend.SeparableConv<ModelLike.Separable>(batch, 1, 2, -1, WeightHandle.None, WeightHandle.None, WeightHandle.None);
        }
    }

    private static MethodInfo Method(Type type, string name) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly).First(m => m.Name == name);

    [Fact]
    public void StepSequenceOps_MaxPoolAndSeparable_KeepsTheirCodeAndDropsOtherOps()
    {
        StepSequenceOps? ops = StepSequenceOps.Read(typeof(StepsLike));

        Assert.NotNull(ops);
        Assert.True(ops.Needs(Method(typeof(CpuBackend), "MaxPoolCore")));
        Assert.True(ops.Needs(Method(typeof(ExecutionBackend), "MaxPool")));
        Assert.True(ops.Needs(Method(typeof(MaxPoolJob), "Execute")));
        Assert.True(ops.Needs(Method(typeof(CpuBackend), "SeparableConvCore")));
        Assert.True(ops.Needs(Method(typeof(Gemm), "Multiply")));
        Assert.False(ops.Needs(Method(typeof(CpuBackend), "ActivationCore")));
        Assert.False(ops.Needs(Method(typeof(ExecutionBackend), "Softmax")));
        Assert.False(ops.Needs(Method(typeof(ActivationJob), "Execute")));
        Assert.False(ops.Needs(Method(typeof(AveragePoolJob), "Execute")));
    }

    [Fact]
    public void StepSequenceOps_NoStepSequence_IsUnknown()
    {
        Assert.Null(StepSequenceOps.Read(typeof(ModelLike)));
    }

    [Fact]
    public void StepSequenceOps_GeneratedXception_FindsItsOpsOnly()
    {
        StepSequenceOps? ops = StepSequenceOps.Read(typeof(Xception));

        Assert.NotNull(ops);
        foreach (string used in new[] { "SeparableConvCore", "Conv2DCore", "MaxPoolCore", "GlobalPoolCore", "DenseCore", "SoftmaxCore" })
        {
            Assert.True(ops.Needs(Method(typeof(CpuBackend), used)), used);
        }

        foreach (string unused in new[] { "ActivationCore", "MultiplyCore", "ChannelSliceCore", "AveragePoolCore" })
        {
            Assert.False(ops.Needs(Method(typeof(CpuBackend), unused)), unused);
        }
    }
}
