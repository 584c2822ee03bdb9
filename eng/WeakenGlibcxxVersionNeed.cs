using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>Sets VER_FLG_WEAK on the Vernaux entry with a given name in ELF64 little-endian shared objects.</summary>
public class WeakenGlibcxxVersionNeed : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var written = File.GetLastWriteTimeUtc(path);
                var bytes = File.ReadAllBytes(path);
                var result = Weaken(bytes);
                if (result == null)
                {
                    Log.LogMessage(MessageImportance.Low, "{0}: no {1} version need; left as is.", path, VersionName);
                    continue;
                }
                if (result == true)
                {
                    File.WriteAllBytes(path, bytes);
                    File.SetLastWriteTimeUtc(path, written);
                    Log.LogMessage(MessageImportance.Normal, "{0}: marked the {1} version need weak.", path, VersionName);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException)
            {
                Log.LogError(null, "QLLM1001", null, path, 0, 0, 0, 0, "cannot weaken the {0} version need: {1}; delete the file and build again.", VersionName, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    /// <returns>true when changed, false when already weak, null when the name is not needed.</returns>
    private bool? Weaken(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28);
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);
            long need = offset;
            while (true)
            {
                int count = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < count; a++)
                {
                    int flagsAt = (int)aux + 4;
                    long nameAt = strtab + BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadName(elf, nameAt) == VersionName)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, flagsAt);
                        if ((flags & VerFlgWeak) != 0) return false;
                        flags |= VerFlgWeak;
                        elf[flagsAt] = (byte)flags;
                        elf[flagsAt + 1] = (byte)(flags >> 8);
                        return true;
                    }
                    uint nextAux = BitConverter.ToUInt32(elf, (int)aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return null;
    }

    private static string ReadName(byte[] elf, long at)
    {
        int end = (int)at;
        while (end < elf.Length && elf[end] != 0) end++;
        return Encoding.ASCII.GetString(elf, (int)at, end - (int)at);
    }
}
