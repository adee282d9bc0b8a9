using System;
using System.Management.Automation;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Lets a DateTime parameter (-OlderThan, -NewerThan) take an age as well as an instant: a TimeSpan (or
    /// '7.00:00:00') means that long before now; a DateTime or DateTimeOffset is the instant itself, a DateTime of
    /// Kind Unspecified (Get-Date, [datetime]'2026-12-01') being local time. The result is the instant in UTC.
    /// </summary>
    public sealed class AgeOrInstantAttribute : ArgumentTransformationAttribute
    {
        private readonly string _parameterName;

        public AgeOrInstantAttribute(string parameterName)
        {
            _parameterName = parameterName;
        }

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
            try
            {
                return InputValidator.CreatedCutoff(value, DateTime.UtcNow, _parameterName);
            }
            catch (EvsValidationException ex)
            {
                throw new ArgumentTransformationMetadataException(ex.Message, ex);
            }
        }
    }
}
