namespace EvsEmulator.Faults;

/// <summary>Chooses at most one fault per matching API request. One seeded Random, one draw per matching request,
/// consumed under a lock: the same seed and the same request sequence give the same faults.</summary>
public sealed class FaultInjector
{
    private readonly object _gate = new();
    private Random _random;

    public FaultInjector(int seed) => _random = new Random(seed);

    /// <summary>Restarts the sequence (on reset and whenever <c>faults</c> or <c>seed</c> is patched).</summary>
    public void Reseed(int seed)
    {
        lock (_gate) _random = new Random(seed);
    }

    /// <summary>The fault kind for this request, or null. Kinds are checked in <see cref="FaultConfig.Kinds"/> order
    /// against one uniform draw: with rates a, b, ... the first kind gets [0,a), the second [a,a+b), and so on.</summary>
    public string? Draw(FaultConfig faults, string method, string path, string query = "")
    {
        if (!faults.Active || !faults.Matches(method, path, query)) return null;
        double r;
        lock (_gate) r = _random.NextDouble();
        var cumulative = 0.0;
        foreach (var kind in FaultConfig.Kinds)
        {
            cumulative += faults.Rates.GetValueOrDefault(kind);
            if (r < cumulative) return kind;
        }
        return null;
    }
}
