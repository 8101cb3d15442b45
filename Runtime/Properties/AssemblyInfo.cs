using System.Runtime.CompilerServices;

// ILGPU's CPU accelerator calls the kernels from its dynamic assembly, so the internal kernel classes
// (Kernels/*Kernels.cs) must be visible to it.
[assembly: InternalsVisibleTo(ILGPU.Context.RuntimeAssemblyName)]

// The tools (SyntheticWeights, PtxCompiler, KernelCatalog) and the kernel family choice are for the
// projects of this repository, not for users of the package.
[assembly: InternalsVisibleTo("Xception.Compiler.Tests")]
[assembly: InternalsVisibleTo("xception")]
[assembly: InternalsVisibleTo("Xception.Compiler.Benchmarks")]
[assembly: InternalsVisibleTo("xcs-gpucheck")]
