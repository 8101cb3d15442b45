using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Xception.Compiler.Serving.Batching;
using Xception.Compiler.Serving.Metrics;

namespace Xception.Compiler.Serving.Http;

/// <summary>The served models by protocol name (case-sensitive, as the protocol's strings are), each with its batcher.</summary>
public sealed class ModelRegistry
{
    private readonly Dictionary<string, ServedModel> _models;
    private readonly Dictionary<string, DynamicBatcher> _batchers;

    public ModelRegistry(IReadOnlyList<ServedModel> models, BatchingOptions batching, ServingMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            throw new ArgumentException("Expected at least one model to serve, found none.", nameof(models));
        }

        _models = new Dictionary<string, ServedModel>(StringComparer.Ordinal);
        foreach (ServedModel model in models)
        {
            if (!_models.TryAdd(model.Name, model))
            {
                throw new ArgumentException($"Two models are named '{model.Name}'; each served model needs its own name.", nameof(models));
            }
        }

        _batchers = models.ToDictionary(m => m.Name, m => new DynamicBatcher(m.Name, m.Model, batching, metrics), StringComparer.Ordinal);
        metrics.WatchQueues(_batchers);
    }

    public IEnumerable<ServedModel> Models => _models.Values;

    public bool TryGet(string name, out ServedModel model, out DynamicBatcher batcher)
    {
        if (_models.TryGetValue(name, out model!))
        {
            batcher = _batchers[name];
            return true;
        }

        batcher = null!;
        return false;
    }

    /// <summary>The <c>model</c> label of a request's metrics: unknown names share one, so clients cannot grow the series.</summary>
    public string MetricLabel(string name) => _models.ContainsKey(name) ? name : "(unknown)";

    /// <summary>True when every model's batcher ran its warm-up batch.</summary>
    public bool AllReady => _batchers.Values.All(b => b.IsReady);

    /// <summary>Completes when every model's warm-up batch ran (or with the first failure).</summary>
    public Task WhenAllWarmedUp => Task.WhenAll(_batchers.Values.Select(b => b.WarmedUp));

    /// <summary>Stops every batcher after it ran what it holds.</summary>
    public Task StopAsync() => Task.WhenAll(_batchers.Values.Select(b => b.StopAsync()));
}
