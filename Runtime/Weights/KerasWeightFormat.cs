namespace Xception.Compiler.Runtime.Weights;

/// <summary>The Keras file formats <see cref="KerasH5Structure.Open"/> tells apart (fixtures/KERAS_FORMATS.md §0).</summary>
internal enum KerasWeightFormat
{
    /// <summary><c>save_weights("x.h5")</c>, Keras 1 and 2: <c>layer_names</c> at the root.</summary>
    LegacyWeights,

    /// <summary><c>model.save("x.h5")</c>: the same under <c>/model_weights</c>, with <c>model_config</c> at the root.</summary>
    LegacyFullModel,

    /// <summary>Keras 3 <c>.weights.h5</c>: <c>layers/&lt;class_snake&gt;[_N]/vars/&lt;i&gt;</c>.</summary>
    Keras3Weights,

    /// <summary>Keras 3 <c>.keras</c> zip: <c>config.json</c> and <c>model.weights.h5</c> in the Keras 3 layout.</summary>
    KerasArchive,
}
