using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// The module's lifecycle. On import: the engine (EvsSnapshot.Client.dll) and the netstandard2.0 packages it
    /// was built against live in the module's Dependencies folder, where PowerShell does not look by itself:
    /// <list type="bullet">
    /// <item>PowerShell 7: the engine is loaded into a load context of its own, so another module that brings a
    /// different EvsSnapshot.Client (an older copy of this module, say) cannot clash with it in either load order.
    /// Assemblies PowerShell already ships (System.Text.Json and friends) come from PowerShell, as Microsoft's
    /// guidance recommends; anything else the engine needs and PowerShell lacks is loaded privately too.
    /// The engine is loaded from its ReadyToRun copy for this OS and architecture
    /// (Dependencies/ReadyToRun/&lt;tfm&gt;-&lt;rid&gt;/, see <see cref="EngineLoadContext.EnginePath"/>) when the module has one:
    /// precompiled code, so a fresh process does not JIT-compile the engine's first call. Otherwise, and always on
    /// 5.1, it is the netstandard2.0 IL copy in Dependencies.</item>
    /// <item>Windows PowerShell 5.1 has no load contexts: a resolver answers for the assemblies of the
    /// Dependencies folder, and for nothing else.</item>
    /// </list>
    /// The public types (EvsSnapshot.Types.dll) and the cmdlets stay in the default context, so their type names
    /// resolve in scripts. On <c>Remove-Module</c>: the current context is disposed (its HTTP connections close)
    /// and every resolver the module registered is unhooked, so <c>Import-Module -Force</c> starts clean.
    /// </summary>
    public sealed class ModuleLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        internal const string EngineAssemblyName = "EvsSnapshot.Client";
        private static readonly object Lock = new object();
        private static IDisposable? _resolver;

        public void OnImport()
        {
            lock (Lock)
            {
                // Once per process while imported: every runspace that imports the module shares the loaded assemblies.
                if (_resolver != null) return;
                string dependencies = Path.Combine(Path.GetDirectoryName(typeof(ModuleLoader).Assembly.Location)!, "Dependencies");
                if (!Directory.Exists(dependencies)) return; // running from a build folder where everything sits side by side
                _resolver = RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal)
                    ? DesktopResolver.Register(dependencies)
                    : EngineLoadContext.Register(dependencies);
            }
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            CurrentContext.Take()?.Dispose();
            lock (Lock)
            {
                _resolver?.Dispose();
                _resolver = null;
            }
        }
    }

    /// <summary>PowerShell 7: the engine's private load context.</summary>
    internal sealed class EngineLoadContext : AssemblyLoadContext
    {
        // One per process: a load context cannot be unloaded (not collectible), and a re-import must find the
        // engine it already loaded rather than a second copy.
        private static EngineLoadContext? _instance;
        private readonly string _directory;
        // Built on the first load, not at import: the engine itself loads only on first use.
        private readonly Lazy<HashSet<string>> _platformAssemblies = new Lazy<HashSet<string>>(PlatformAssemblyNames);

        private EngineLoadContext(string directory)
        {
            _directory = directory;
        }

        /// <summary>The context the engine was loaded into (null on Windows PowerShell or from a build folder).</summary>
        internal static EngineLoadContext? Instance => _instance;

        /// <summary>Redirects the engine (and only it) to this context; dispose the result to unhook.</summary>
        internal static IDisposable Register(string directory)
        {
            var context = _instance ??= new EngineLoadContext(directory);
            Func<AssemblyLoadContext, AssemblyName, Assembly?> handler = (_, name) =>
                string.Equals(name.Name, ModuleLoader.EngineAssemblyName, StringComparison.Ordinal) ? context.LoadFromAssemblyName(name) : null;
            Default.Resolving += handler;
            return new Unhook(() => Default.Resolving -= handler);
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string name = assemblyName.Name ?? string.Empty;
            // The public types are shared with the cmdlets: the engine must see the very same assembly.
            if (name == typeof(SnapshotDetails).Assembly.GetName().Name) return typeof(SnapshotDetails).Assembly;
            if (name != ModuleLoader.EngineAssemblyName && _platformAssemblies.Value.Contains(name)) return null; // PowerShell ships it
            string path = name == ModuleLoader.EngineAssemblyName ? EnginePath(_directory) : Path.Combine(_directory, name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        /// <summary>
        /// The engine file for this process: Dependencies/ReadyToRun/&lt;tfm&gt;-&lt;rid&gt;/EvsSnapshot.Client.dll (the
        /// same IL plus native code, built by build.ps1) when there is one for this runtime, else the IL copy. A
        /// runtime uses only ReadyToRun code made for its own major version, hence the framework in the folder name.
        /// </summary>
        internal static string EnginePath(string directory)
        {
            string? image = ReadyToRunImageName();
            if (image != null)
            {
                string precompiled = Path.Combine(directory, "ReadyToRun", image, ModuleLoader.EngineAssemblyName + ".dll");
                if (File.Exists(precompiled)) return precompiled;
            }
            return Path.Combine(directory, ModuleLoader.EngineAssemblyName + ".dll");
        }

        /// <summary>net10.0-linux-x64 and the like for this process (null where no image could apply).</summary>
        internal static string? ReadyToRunImageName()
        {
            string? rid = RuntimeId();
            return rid == null ? null : "net" + Environment.Version.Major + ".0-" + rid;
        }

        /// <summary>The portable runtime identifier of this process (win-x64, linux-arm64, ...), or null for others.</summary>
        internal static string? RuntimeId()
        {
            string? os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                : RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "linux"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : null;
            string? arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                _ => null,
            };
            return os != null && arch != null ? os + "-" + arch : null;
        }

        private static HashSet<string> PlatformAssemblyNames()
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
            {
                foreach (var file in list.Split(Path.PathSeparator))
                {
                    if (file.Length > 0) names.Add(Path.GetFileNameWithoutExtension(file));
                }
            }
            return names;
        }
    }

    /// <summary>Windows PowerShell 5.1: resolve the engine and its packages from the Dependencies folder, nothing else.</summary>
    internal static class DesktopResolver
    {
        internal static IDisposable Register(string directory)
        {
            // The module's own dependencies are exactly the files of its Dependencies folder, read once.
            var own = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var file in Directory.GetFiles(directory, "*.dll")) own[Path.GetFileNameWithoutExtension(file)] = file;
            ResolveEventHandler handler = (_, args) =>
            {
                string? name = new AssemblyName(args.Name).Name;
                return name != null && own.TryGetValue(name, out var path) ? Assembly.LoadFrom(path) : null;
            };
            AppDomain.CurrentDomain.AssemblyResolve += handler;
            return new Unhook(() => AppDomain.CurrentDomain.AssemblyResolve -= handler);
        }
    }

    internal sealed class Unhook : IDisposable
    {
        private Action? _undo;
        public Unhook(Action undo) { _undo = undo; }
        public void Dispose() => System.Threading.Interlocked.Exchange(ref _undo, null)?.Invoke();
    }
}
