namespace Xception.Compiler.Runtime.Preprocessing;

/// <summary>
/// The input scaling a Keras application's weights were trained with: the <c>mode</c> of
/// <c>keras.applications.imagenet_utils.preprocess_input</c>, or none (EfficientNet rescales inside the model).
/// A description selects one with its <c>preprocessing</c> member (emitted as <c>Preprocessing</c>).
/// </summary>
public enum ImagePreprocessing
{
    /// <summary><c>mode='tf'</c>: <c>x / 127.5 - 1</c> (Xception, MobileNet, MobileNetV2, InceptionV3).</summary>
    Tf,

    /// <summary><c>mode='caffe'</c>: RGB → BGR, then minus the ImageNet mean [103.939, 116.779, 123.68] (VGG16, ResNet50).</summary>
    Caffe,

    /// <summary><c>mode='torch'</c>: <c>x / 255</c>, minus mean [0.485, 0.456, 0.406], over std [0.229, 0.224, 0.225] (DenseNet).</summary>
    Torch,

    /// <summary>Raw pixel values 0–255 (EfficientNet, whose Rescaling and Normalization layers are part of the model).</summary>
    None,
}
