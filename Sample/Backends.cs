using System;
using Xception.Compiler.Runtime;

namespace Xception.Compiler.Sample;

internal static class Backends
{
    public static readonly string[] Names = ["auto", "cpu", "ilgpu-cpu", "cuda", "opencl"];

    public static Backend Parse(string name) => name.ToLowerInvariant() switch
    {
        "auto" => Backend.Auto,
        "cpu" => Backend.Cpu,
        "ilgpu-cpu" => Backend.IlgpuCpu,
        "cuda" => Backend.Cuda,
        "opencl" => Backend.OpenCL,
        _ => throw new UsageException($"Unknown backend '{name}'; expected one of {string.Join(", ", Names)}."),
    };
}
