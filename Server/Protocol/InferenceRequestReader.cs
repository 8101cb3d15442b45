using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Xception.Compiler.Serving.Protocol;

/// <summary>
/// Reads an Open Inference Protocol v2 inference request (<c>POST /v2/models/{name}/infer</c>) for one model:
/// the JSON object, and with the binary tensor data extension the tensors that follow it
/// (<c>Inference-Header-Content-Length</c> gives the JSON's length, each binary input its <c>binary_data_size</c>).
/// Every mismatch with the model is a <see cref="ProtocolException"/> whose message names what was expected and found.
/// </summary>
public static class InferenceRequestReader
{
    private const string Fp32 = "FP32";

    /// <param name="body">The whole request body.</param>
    /// <param name="jsonLength">The <c>Inference-Header-Content-Length</c> header; null when absent (all JSON).</param>
    /// <param name="model">The model the request is for.</param>
    /// <returns>The request; its owner disposes it once the batcher is done with its images.</returns>
    public static InferenceRequest Read(ReadOnlyMemory<byte> body, long? jsonLength, ServedModel model)
    {
        if (jsonLength is { } length && (length < 0 || length > body.Length))
        {
            throw ProtocolException.BadRequest(
                $"Inference-Header-Content-Length is {length} but the body holds {body.Length} bytes.");
        }

        int headerLength = (int)(jsonLength ?? body.Length);
        ReadOnlySpan<byte> binary = body.Span[headerLength..];
        JsonDocument document;
        try
        {
            // Parsed in place: the document reads the body, which outlives it.
            document = JsonDocument.Parse(body[..headerLength]);
        }
        catch (JsonException e)
        {
            throw ProtocolException.BadRequest($"The request is not valid JSON: {e.Message}");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw ProtocolException.BadRequest($"Expected the request to be a JSON object, found {root.ValueKind}.");
            }

            string? id = OptionalString(root, "id");
            bool binaryOutput = BoolParameter(root, "binary_data_output");
            JsonElement inputs = Required(root, "inputs", JsonValueKind.Array, "the request");
            if (inputs.GetArrayLength() != 1)
            {
                throw ProtocolException.BadRequest($"Model '{model.Name}' takes 1 input ('{model.InputName}'), found {inputs.GetArrayLength()}.");
            }

            (float[] images, int count, int binaryUsed) = ReadInput(inputs[0], binary, model);
            try
            {
                if (binaryUsed != binary.Length)
                {
                    throw ProtocolException.BadRequest(
                        $"The body holds {binary.Length} bytes of binary tensor data after the JSON, but the inputs' binary_data_size account for {binaryUsed}.");
                }

                if (root.TryGetProperty("outputs", out JsonElement outputs))
                {
                    binaryOutput |= ReadRequestedOutputs(outputs, model);
                }
            }
            catch
            {
                ArrayPool<float>.Shared.Return(images);
                throw;
            }

            return new InferenceRequest(id, images, count * model.Model.InputLength, count, binaryOutput);
        }
    }

    private static (float[] Images, int Count, int BinaryUsed) ReadInput(JsonElement input, ReadOnlySpan<byte> binary, ServedModel model)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            throw ProtocolException.BadRequest($"Expected each input to be a JSON object, found {input.ValueKind}.");
        }

        string name = Required(input, "name", JsonValueKind.String, "the input").GetString()!;
        if (name != model.InputName)
        {
            throw ProtocolException.BadRequest($"Model '{model.Name}' has no input '{name}'; its input is '{model.InputName}'.");
        }

        string datatype = Required(input, "datatype", JsonValueKind.String, $"input '{name}'").GetString()!;
        if (datatype != Fp32)
        {
            throw ProtocolException.BadRequest($"Input '{name}' must have datatype FP32, found {datatype}.");
        }

        int count = ReadShape(Required(input, "shape", JsonValueKind.Array, $"input '{name}'"), model);
        long floats = (long)count * model.Model.InputLength;
        float[] rented = ArrayPool<float>.Shared.Rent((int)floats);
        try
        {
            int used = Fill(input, name, count, floats, rented.AsSpan(0, (int)floats), binary, model);
            return (rented, count, used);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(rented);
            throw;
        }
    }

    /// <summary>Decodes the input's values into <paramref name="images"/>; returns the binary bytes it used.</summary>
    private static int Fill(JsonElement input, string name, int count, long floats, Span<float> images, ReadOnlySpan<byte> binary, ServedModel model)
    {
        if (input.TryGetProperty("parameters", out JsonElement parameters)
            && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("binary_data_size", out JsonElement size))
        {
            if (input.TryGetProperty("data", out _))
            {
                throw ProtocolException.BadRequest($"Input '{name}' has both binary_data_size and data; send one.");
            }

            if (!size.TryGetInt64(out long bytes) || bytes != floats * sizeof(float))
            {
                throw ProtocolException.BadRequest(
                    $"Input '{name}' of shape {Shape(count, model)} FP32 needs binary_data_size {floats * sizeof(float)}, found {size.GetRawText()}.");
            }

            if (bytes > binary.Length)
            {
                throw ProtocolException.BadRequest(
                    $"Input '{name}' announces {bytes} bytes of binary data but only {binary.Length} follow the JSON (truncated body).");
            }

            ReadOnlySpan<byte> tensor = binary[..(int)bytes];
            if (BitConverter.IsLittleEndian)
            {
                // The protocol's binary tensors are little-endian: here they are the floats' own bytes.
                MemoryMarshal.Cast<byte, float>(tensor).CopyTo(images);
            }
            else
            {
                for (int i = 0; i < images.Length; i++)
                {
                    images[i] = BinaryPrimitives.ReadSingleLittleEndian(tensor.Slice(i * sizeof(float), sizeof(float)));
                }
            }

            CheckFinite(images, name);
            return (int)bytes;
        }

        if (!input.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Array)
        {
            throw ProtocolException.BadRequest($"Input '{name}' has neither a data array nor parameters.binary_data_size.");
        }

        int written = 0;
        Flatten(data, images, ref written, name);
        if (written != images.Length)
        {
            throw ProtocolException.BadRequest($"Input '{name}' of shape {Shape(count, model)} needs {images.Length} values, found {written}.");
        }

        return 0;
    }

    /// <summary>The number of images: the shape must be [N, H, W, C] with the model's H, W, C.</summary>
    private static int ReadShape(JsonElement shape, ServedModel model)
    {
        var dims = new List<long>();
        foreach (JsonElement dim in shape.EnumerateArray())
        {
            if (!dim.TryGetInt64(out long value))
            {
                throw ProtocolException.BadRequest($"Expected the shape to hold integers, found {dim.GetRawText()}.");
            }

            dims.Add(value);
        }

        string found = "[" + string.Join(", ", dims) + "]";
        if (dims.Count != 4 || dims[1] != model.InputHeight || dims[2] != model.InputWidth || dims[3] != model.InputChannels
            || dims[0] < 1 || dims[0] > int.MaxValue / model.Model.InputLength)
        {
            throw ProtocolException.BadRequest($"Model '{model.Name}' takes input '{model.InputName}' of shape {Shape(-1, model)} (N ≥ 1), found {found}.");
        }

        return (int)dims[0];
    }

    /// <summary>Row-major values of a flat or nested array, as the protocol allows both.</summary>
    private static void Flatten(JsonElement array, Span<float> values, ref int written, string name)
    {
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array)
            {
                Flatten(item, values, ref written, name);
                continue;
            }

            if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out float value))
            {
                throw ProtocolException.BadRequest($"Input '{name}' is FP32 but its data holds {item.GetRawText()} at position {written}.");
            }

            if (!float.IsFinite(value))
            {
                throw ProtocolException.BadRequest($"Input '{name}' holds {item.GetRawText()} at position {written}, outside FP32's finite range.");
            }

            if (written == values.Length)
            {
                // Counted on to the end only for the message.
                written++;
                continue;
            }

            values[written++] = value;
        }
    }

    private static void CheckFinite(ReadOnlySpan<float> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw ProtocolException.BadRequest(
                    $"Input '{name}' holds {values[i].ToString(CultureInfo.InvariantCulture)} at position {i}; the model takes finite values only.");
            }
        }
    }

    /// <summary>Checks the requested outputs; true when one asks for binary data.</summary>
    private static bool ReadRequestedOutputs(JsonElement outputs, ServedModel model)
    {
        if (outputs.ValueKind != JsonValueKind.Array)
        {
            throw ProtocolException.BadRequest($"Expected outputs to be an array, found {outputs.ValueKind}.");
        }

        bool binary = false;
        foreach (JsonElement output in outputs.EnumerateArray())
        {
            string name = output.ValueKind == JsonValueKind.Object
                ? Required(output, "name", JsonValueKind.String, "a requested output").GetString()!
                : throw ProtocolException.BadRequest($"Expected each requested output to be an object, found {output.ValueKind}.");
            if (name != model.OutputName)
            {
                throw ProtocolException.BadRequest($"Model '{model.Name}' has no output '{name}'; its output is '{model.OutputName}'.");
            }

            binary |= BoolParameter(output, "binary_data");
        }

        return binary;
    }

    private static JsonElement Required(JsonElement owner, string property, JsonValueKind kind, string what)
    {
        if (!owner.TryGetProperty(property, out JsonElement value))
        {
            throw ProtocolException.BadRequest($"Expected '{property}' in {what}.");
        }

        if (value.ValueKind != kind)
        {
            throw ProtocolException.BadRequest($"Expected '{property}' of {what} to be {kind}, found {value.ValueKind}.");
        }

        return value;
    }

    private static string? OptionalString(JsonElement owner, string property) =>
        owner.TryGetProperty(property, out JsonElement value)
            ? value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw ProtocolException.BadRequest($"Expected '{property}' to be a string, found {value.ValueKind}.")
            : null;

    private static bool BoolParameter(JsonElement owner, string name) =>
        owner.TryGetProperty("parameters", out JsonElement parameters)
        && parameters.ValueKind == JsonValueKind.Object
        && parameters.TryGetProperty(name, out JsonElement value)
        && value.ValueKind == JsonValueKind.True;

    private static string Shape(int count, ServedModel model) =>
        $"[{count}, {model.InputHeight}, {model.InputWidth}, {model.InputChannels}]";
}
