using System.Runtime.CompilerServices;

// ILGPU builds its kernel launchers in a dynamic assembly and documents that internal kernels and
// types must be visible to it (Kernels/*Kernels.cs are internal). ILGPU 1.5.3's CPU accelerator also
// ran them without this, but the GPU accelerators cannot be checked on a machine without a GPU.
[assembly: InternalsVisibleTo(ILGPU.Context.RuntimeAssemblyName)]

// The tools (SyntheticWeights, PtxCompiler, KernelCatalog) and the kernel family choice are for the
// projects of this repository, not for users of the package.
[assembly: InternalsVisibleTo("Xception.Compiler.Tests")]
[assembly: InternalsVisibleTo("xception")]
[assembly: InternalsVisibleTo("Xception.Compiler.Benchmarks")]
[assembly: InternalsVisibleTo("xcs-gpucheck")]
