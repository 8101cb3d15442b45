namespace Xception.Compiler.Generator.Model;

/// <summary>One dataset of a layer in a <c>*.shapes.json</c> table: its HDF5 path, shape and dtype.</summary>
internal sealed record WeightFileDataset(string Path, EquatableArray<int> Shape, string? Dtype);

/// <summary>One layer group of the weight file that holds weights, in file (load) order.</summary>
internal sealed record WeightFileLayer(string Name, EquatableArray<WeightFileDataset> Datasets, SourceSpan Span);

/// <summary>A parsed shape table: the weighted layers of a Keras <c>.h5</c> file, in order.</summary>
internal sealed record WeightTableSpec(string FilePath, string? Layout, EquatableArray<WeightFileLayer> Layers);

/// <summary>The result of parsing one shape table; <see cref="Spec"/> is null when it is malformed.</summary>
internal sealed record ParsedWeightTable(string FilePath, WeightTableSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
