# xception serve in a container: built with the .NET SDK, run on the ASP.NET Core runtime image as a non-root user.
# The weights are not baked in: mount them at /models (or fetch them there from an init container) and pass
# their path, e.g.
#   docker build -t xception-serve .
#   docker run -p 8080:8080 -v $PWD/Sample/Examples:/models:ro xception-serve \
#     serve --weights /models/mini_xception_w0125_top10.h5 --urls http://0.0.0.0:8080
# (Not built on the development machines: they have no container runtime. See docs/serving.md.)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Sample/Sample.csproj -c Release -o /app --no-self-contained --use-current-runtime

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .
# The image's built-in unprivileged user (uid 1654).
USER $APP_UID
ENV DOTNET_gcServer=0 \
    DOTNET_TieredPGO=1
EXPOSE 8080
VOLUME ["/models"]
ENTRYPOINT ["dotnet", "/app/xception.dll"]
CMD ["serve", "--weights", "/models/mini_xception_w0125_top10.h5", "--urls", "http://0.0.0.0:8080", "--backend", "cpu"]
