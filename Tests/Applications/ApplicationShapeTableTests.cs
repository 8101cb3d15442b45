using System.IO;
using System.Linq;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Tests.Generator.Infrastructure;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Applications;

/// <summary>
/// The shape tables of the official application files under models/ (written by
/// Tests/Fixtures/tools/make_application_weights.py) against Keras's own figures: the parameter counts of the
/// applications table and the number of layers with weights the Keras source builds.
/// </summary>
public sealed class ApplicationShapeTableTests
{
    [Theory]
    [InlineData("vgg16_weights_tf_dim_ordering_tf_kernels", 138_357_544L, 16, 23)]
    [InlineData("vgg16_weights_tf_dim_ordering_tf_kernels_notop", 14_714_688L, 13, 19)]
    [InlineData("resnet50_weights_tf_dim_ordering_tf_kernels", 25_636_712L, 107, 177)]
    [InlineData("resnet50_weights_tf_dim_ordering_tf_kernels_notop", 23_587_712L, 106, 175)]
    [InlineData("mobilenet_1_0_224_tf", 4_253_864L, 55, 91)]
    [InlineData("mobilenet_1_0_224_tf_no_top", 3_228_864L, 54, 86)]
    [InlineData("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224", 3_538_984L, 105, 156)]
    [InlineData("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top", 2_257_984L, 104, 154)]
    [InlineData("inception_v3_weights_tf_dim_ordering_tf_kernels", 23_851_784L, 189, 313)]
    [InlineData("inception_v3_weights_tf_dim_ordering_tf_kernels_notop", 21_802_784L, 188, 311)]
    [InlineData("densenet121_weights_tf_dim_ordering_tf_kernels", 8_062_504L, 242, 429)]
    [InlineData("densenet121_weights_tf_dim_ordering_tf_kernels_notop", 7_037_504L, 241, 427)]
    [InlineData("efficientnetb0", 5_330_571L, 132, 241)]
    [InlineData("efficientnetb0_notop", 4_049_571L, 131, 238)]
    public void OfficialFileTable_HasKerasParameterCountAndWeightedLayers(string file, long parameters, int weightedLayers, int layers)
    {
        ShapeTable table = ShapeTable.Parse(RepoFiles.Read("models/" + file + ".shapes.json"));

        Assert.Equal(file + ".h5", table.Source);
        Assert.Equal(parameters, table.ParameterCount);
        Assert.Equal(weightedLayers, table.Layers.Count);
        Assert.Equal(layers, table.LayerCount);
        Assert.All(table.Layers, l => Assert.NotEmpty(l.Weights));
    }

    [Theory]
    [InlineData("mini_vgg16_w16_64x64_top10")]
    [InlineData("mini_vgg16_w16_64x64_notop")]
    public void MiniVgg16Table_EqualsTheTableTheRuntimeExtractsFromItsWeights(string name)
    {
        string committed = File.ReadAllText(TestPaths.Fixture(name + ".shapes.json"));

        string extracted = ShapeTable.Extract(TestPaths.Fixture(name + ".h5")).ToJson();

        Assert.Equal(committed, extracted);
    }
}
