using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Applications;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Generator;

/// <summary>
/// The generated static <c>Info</c> and the <see cref="ICompiledModelClass{TSelf}"/> every class implements: the
/// same facts as the class's own constants (never a second source of truth), the optional ones only where the
/// description declares them, and a generic load that needs no per-class code.
/// </summary>
public sealed class CompiledModelInfoTests(ITestOutputHelper output)
{
    [Fact]
    public void Info_OfAnApplication_CarriesItsConstantsPreprocessingAndWeightsSource()
    {
        CompiledModelInfo info = Vgg16.Info;

        Assert.Equal((224, 224, 3, 1000), (info.InputHeight, info.InputWidth, info.InputChannels, info.OutputLength));
        Assert.Equal(Vgg16.InputLength, info.InputLength);
        Assert.Same(Vgg16.WeightTable, info.WeightTable);
        Assert.Equal(ImagePreprocessing.Caffe, info.Preprocessing);
        Assert.Equal(Vgg16.WeightsUrl, info.WeightsUrl);
        Assert.Equal("64373286793e3c8b2b4e3219cbf3544b", info.WeightsMd5);
        Assert.Empty(info.Labels);
    }

    [Fact]
    public void Info_OfADescriptionWithLabelsAndNothingElse_HasLabelsAndNullOptionalFacts()
    {
        CompiledModelInfo info = TinyFlowers.Info;

        Assert.Same(TinyFlowers.Labels, info.Labels);
        Assert.Equal(TinyFlowers.OutputLength, info.Labels.Count);
        Assert.Null(info.Preprocessing);
        Assert.Null(info.WeightsUrl);
        Assert.Null(info.WeightsMd5);
    }

    [Fact]
    public void GenericLoad_ThroughTheInterface_LoadsAWorkingModelOfThatClass()
    {
        using ICompiledModel model = LoadAny<MiniVgg16>(TestPaths.Fixture("mini_vgg16_w16_64x64_top10.h5"));

        Assert.IsType<MiniVgg16>(model);
        Assert.Equal(MiniVgg16.Info.InputLength, model.InputLength);
        Assert.Equal(MiniVgg16.Info.OutputLength, model.OutputLength);
        Float64ReferenceCheck.AssertWithinTolerance(
            model, "mini_vgg16_input_64x64_seed41.npy", "mini_vgg16_expected_64x64_seed41.npy", "mini VGG16 loaded through ICompiledModelClass", output);
    }

    private static TModel LoadAny<TModel>(string weightsPath)
        where TModel : ICompiledModel, ICompiledModelClass<TModel> =>
        TModel.Load(weightsPath, new InferenceOptions { Backend = Backend.Cpu });
}
