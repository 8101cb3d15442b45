using System.Collections.Generic;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>
/// Assigns tensors to arena slots by liveness. The model input has its own slot. Before a step's
/// output is placed, slots whose tensor was last read by an earlier step are freed; the step's own
/// inputs are still live then, so an output never shares a slot with them. The output takes the
/// smallest free slot big enough, else the biggest free slot (grown), else a new slot. A concatenation is
/// placed once, by the first step writing a slice of it; the planner reads it at every later writer, so it
/// stays alive while the other branches write into it.
/// </summary>
internal static class BufferPlanner
{
    public static (List<BufferSlot> Slots, int[] SlotOfTensor) Plan(List<PlannedStep> steps, List<PlannedTensor> tensors, int inputTensor)
    {
        var sizes = new List<long>();
        var names = new List<List<string>>();
        var holder = new List<int>(); // tensor in each slot, -1 when free
        int[] slotOf = new int[tensors.Count];

        sizes.Add(tensors[inputTensor].Shape.Length);
        names.Add(new List<string> { tensors[inputTensor].Name });
        holder.Add(inputTensor);
        slotOf[inputTensor] = 0;

        for (int s = 0; s < steps.Count; s++)
        {
            for (int slot = 1; slot < holder.Count; slot++)
            {
                if (holder[slot] >= 0 && tensors[holder[slot]].LastUse < s)
                {
                    holder[slot] = -1;
                }
            }

            if (steps[s].Slots.Destination == steps[s].Slots.Source)
            {
                continue; // in place: the tensor already has its slot
            }

            if (tensors[steps[s].Slots.Destination].Producer != s)
            {
                continue; // a later slice of a concatenation: placed by its first writer, alive until its last read
            }

            PlannedTensor output = tensors[steps[s].Slots.Destination];
            long need = output.Shape.Length;
            int best = -1;
            for (int slot = 1; slot < holder.Count; slot++)
            {
                if (holder[slot] >= 0)
                {
                    continue;
                }

                bool fits = sizes[slot] >= need;
                if (best < 0)
                {
                    best = slot;
                    continue;
                }

                bool bestFits = sizes[best] >= need;
                if ((fits && (!bestFits || sizes[slot] < sizes[best])) || (!fits && !bestFits && sizes[slot] > sizes[best]))
                {
                    best = slot;
                }
            }

            if (best < 0)
            {
                best = sizes.Count;
                sizes.Add(need);
                names.Add(new List<string>());
                holder.Add(-1);
            }

            if (sizes[best] < need)
            {
                sizes[best] = need;
            }

            holder[best] = output.Id;
            names[best].Add(output.Name);
            slotOf[output.Id] = best;
        }

        var slots = new List<BufferSlot>();
        for (int i = 0; i < sizes.Count; i++)
        {
            slots.Add(new BufferSlot(i, sizes[i], names[i].ToEquatableArray()));
        }

        return (slots, slotOf);
    }
}
