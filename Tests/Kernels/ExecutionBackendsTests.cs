using System;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime.Kernels;
using Xception.Compiler.Runtime;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>Backend choice, device probing and lifetime.</summary>
public sealed class ExecutionBackendsTests
{
    [Fact]
    public void Create_Cpu_ReturnsCpuBackendWithRequestedThreads()
    {
        using ExecutionBackend backend = ExecutionBackends.Create(new InferenceOptions { Backend = Backend.Cpu, Threads = 3 });

        var cpu = Assert.IsType<CpuBackend>(backend);
        Assert.Equal("cpu", cpu.Name);
        Assert.Equal(3, cpu.Threads);
    }

    [Fact]
    public void Create_IlgpuCpu_ReturnsIlgpuBackendOnCpuAccelerator()
    {
        using ExecutionBackend backend = ExecutionBackends.Create(new InferenceOptions { Backend = Backend.IlgpuCpu });

        var ilgpu = Assert.IsType<IlgpuBackend>(backend);
        Assert.Equal("ilgpu-cpu", ilgpu.Name);
        Assert.Equal(Backend.IlgpuCpu, ilgpu.Kind);
    }

    [Theory]
    [InlineData(Backend.Cuda, nameof(KernelFamily.Tiled))]
    [InlineData(Backend.OpenCL, nameof(KernelFamily.Tiled))]
    [InlineData(Backend.IlgpuCpu, nameof(KernelFamily.Simple))]
    public void DefaultFamily_GpusGetTiledKernels_CpuAcceleratorGetsSimpleOnes(Backend kind, string expected)
    {
        // KernelFamily is internal, so a public test method cannot take it as a parameter.
        Assert.Equal(expected, IlgpuBackend.DefaultFamily(kind).ToString());
    }

    [Fact]
    public void Create_IlgpuCpu_DefaultsToSimpleKernels()
    {
        using ExecutionBackend backend = ExecutionBackends.Create(new InferenceOptions { Backend = Backend.IlgpuCpu });

        Assert.Equal(KernelFamily.Simple, Assert.IsType<IlgpuBackend>(backend).Family);
    }

    [Fact]
    public void Create_Cuda_WithoutCudaDevice_ThrowsBackendUnavailableNamingWhatIlgpuSaw()
    {
        if (ExecutionBackends.IsCudaAvailable)
        {
            using ExecutionBackend cuda = ExecutionBackends.Create(new InferenceOptions { Backend = Backend.Cuda });
            Assert.Equal("cuda", cuda.Name);
            return;
        }

        var error = Assert.Throws<BackendUnavailableException>(
            () => ExecutionBackends.Create(new InferenceOptions { Backend = Backend.Cuda }));
        Assert.StartsWith("Backend Cuda was requested but no CUDA device was found (ILGPU saw: ", error.Message);
        Assert.Contains("CPU accelerator", error.Message);
        Assert.Equal(Backend.Cuda, error.Requested);
    }

    [Fact]
    public void Create_Auto_PicksCudaOnlyWhenACudaDeviceExists()
    {
        using ExecutionBackend backend = ExecutionBackends.Create(null);

        Assert.Equal(ExecutionBackends.IsCudaAvailable ? "cuda" : "cpu", backend.Name);
    }

    [Fact]
    public void IsCudaAvailable_ProbesWithoutThrowing_AndIsStable()
    {
        bool first = ExecutionBackends.IsCudaAvailable;

        Assert.Equal(first, ExecutionBackends.IsCudaAvailable);
        Assert.Contains("CPU accelerator", ExecutionBackends.DescribeDevices());
    }

    [Fact]
    public void Create_InvalidMaxBatch_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => ExecutionBackends.Create(new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 0 }));
    }

    [Theory]
    [InlineData(Backend.Cpu)]
    [InlineData(Backend.IlgpuCpu)]
    public void Dispose_Twice_IsHarmless_AndUseAfterDisposeThrows(Backend kind)
    {
        ExecutionBackend backend = ExecutionBackends.Create(new InferenceOptions { Backend = kind });
        backend.AllocateBuffers(new long[] { 4 }, 1);
        backend.Upload(new float[] { 1, 2 });

        backend.Dispose();
        backend.Dispose();

        Assert.Throws<ObjectDisposedException>(() => backend.WriteInput(0, new float[4]));
    }

    [Theory]
    [InlineData(Backend.Cpu)]
    [InlineData(Backend.IlgpuCpu)]
    public void Step_BatchAboveMaxBatch_Throws(Backend kind)
    {
        using ExecutionBackend backend = ExecutionBackends.Create(new InferenceOptions { Backend = kind });
        backend.AllocateBuffers(new long[] { 10, 10 }, 2);

        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Softmax(new SoftmaxShape(10), 3, 0, 1));
    }
}
