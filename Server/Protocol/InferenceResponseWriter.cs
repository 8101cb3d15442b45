using System;
using System.Buffers.Binary;
using System.IO;
using System.Text.Json;

namespace Xception.Compiler.Serving.Protocol;

/// <summary>An inference response body, and the JSON's length when binary tensor data follows it.</summary>
public sealed record InferenceResponseBody(byte[] Bytes, int? JsonLength);

/// <summary>Writes the Open Inference Protocol v2 inference response for one model's output.</summary>
public static class InferenceResponseWriter
{
    public static InferenceResponseBody Write(ServedModel model, InferenceRequest request, float[] outputs)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, JsonWriting.Options))
        {
            json.WriteStartObject();
            json.WriteString("model_name", model.Name);
            json.WriteString("model_version", model.Version);
            if (request.Id is not null)
            {
                json.WriteString("id", request.Id);
            }

            json.WriteStartArray("outputs");
            json.WriteStartObject();
            json.WriteString("name", model.OutputName);
            json.WriteString("datatype", "FP32");
            json.WriteStartArray("shape");
            json.WriteNumberValue(request.Count);
            json.WriteNumberValue(model.Model.OutputLength);
            json.WriteEndArray();
            if (request.BinaryOutput)
            {
                json.WriteStartObject("parameters");
                json.WriteNumber("binary_data_size", outputs.Length * sizeof(float));
                json.WriteEndObject();
            }
            else
            {
                // Utf8JsonWriter writes a float's shortest round-trip text: the client parses back the same bits.
                json.WriteStartArray("data");
                foreach (float value in outputs)
                {
                    json.WriteNumberValue(value);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        if (!request.BinaryOutput)
        {
            return new InferenceResponseBody(stream.ToArray(), null);
        }

        int jsonLength = (int)stream.Length;
        var tensor = new byte[outputs.Length * sizeof(float)];
        for (int i = 0; i < outputs.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(tensor.AsSpan(i * sizeof(float)), outputs[i]);
        }

        stream.Write(tensor);
        return new InferenceResponseBody(stream.ToArray(), jsonLength);
    }
}
