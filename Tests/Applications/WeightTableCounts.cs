using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Applications;

/// <summary>The numbers Keras's applications table states about a weight file: parameters and layers with weights.</summary>
internal static class WeightTableCounts
{
    public static long Parameters(WeightTable table)
    {
        long n = 0;
        foreach (var layer in table.Layers)
        {
            foreach (var dataset in layer.Datasets)
            {
                long elements = 1;
                foreach (int d in dataset.Shape)
                {
                    elements *= d;
                }

                n += elements;
            }
        }

        return n;
    }
}
