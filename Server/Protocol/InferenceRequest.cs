namespace Xception.Compiler.Serving.Protocol;

/// <summary>An inference request that fits its model: the images and how the answer is wanted.</summary>
/// <param name="Id">The request's <c>id</c>, echoed in the response; null when it had none.</param>
/// <param name="Images">Count × InputLength floats, NHWC.</param>
/// <param name="Count">Images in the request (the first dimension of its shape).</param>
/// <param name="BinaryOutput">The output goes back as binary tensor data instead of JSON numbers.</param>
public sealed record InferenceRequest(string? Id, float[] Images, int Count, bool BinaryOutput);
