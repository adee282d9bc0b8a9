using System;
using System.Globalization;
using System.Management.Automation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Lets a TimeSpan parameter take plain numbers as seconds (-Timeout 300) besides TimeSpans and
    /// "hh:mm:ss" strings; without it PowerShell would read 300 as 300 ticks.
    /// </summary>
    public sealed class SecondsToTimeSpanAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject ps ? ps.BaseObject : inputData;
            switch (value)
            {
                case int i: return TimeSpan.FromSeconds(i);
                case long l: return TimeSpan.FromSeconds(l);
                case double d: return TimeSpan.FromSeconds(d);
                case decimal m: return TimeSpan.FromSeconds((double)m);
                case string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds):
                    return TimeSpan.FromSeconds(seconds);
                default: return inputData;
            }
        }
    }
}
