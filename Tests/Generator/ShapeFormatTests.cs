using System;
using Xception.Compiler.Generator.Planning;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Generator;

/// <summary>
/// The one shape formatter (Shared/ShapeFormat.cs) as both its assemblies show it: the generator's activation
/// shapes and the runtime's dataset shapes read as Python prints a tuple.
/// </summary>
public sealed class ShapeFormatTests
{
    [Fact]
    public void GeneratorShapes_ReadAsKerasTuples()
    {
        Assert.Equal("(19, 19, 728)", new TensorShape(19, 19, 728, false).Text);
        Assert.Equal("(2048,)", TensorShape.Flat(2048).Text);
    }

    [Theory]
    [InlineData(new[] { 3, 3, 32, 64 }, "(3, 3, 32, 64)")]
    [InlineData(new[] { 2048, 1000 }, "(2048, 1000)")]
    [InlineData(new[] { 64 }, "(64,)")]
    [InlineData(new int[0], "()")]
    public void RuntimeShapes_ReadAsPythonTuples(int[] shape, string expected)
    {
        Assert.Equal(expected, new WeightDataset("kernel", "conv/kernel:0", shape).ShapeText);
        Assert.Equal(expected, new ShapeTableDataset("conv/kernel:0", shape, "float32").ShapeText);
    }

    [Fact]
    public void NpyArray_OneDimensionalShape_IsNamedAsATuple()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new NpyArray(new[] { 3 }, new float[2]));
        Assert.StartsWith("Shape (3,) has 3 elements, data has 2.", e.Message, StringComparison.Ordinal);
    }
}
